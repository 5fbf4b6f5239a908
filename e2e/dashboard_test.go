//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// dashboardQueries are the queries of a Grafana dashboard JSON: PromQL of the
// Prometheus targets and variables, TraceQL of the Tempo targets.
type dashboardQueries struct {
	PromQL  []string
	TraceQL []string
	// Targets are the Prometheus targets with their panel; Variables the
	// template variables, the regex their "All" stands for included.
	Targets   []panelTarget
	Variables []dashboardVariable
}

// panelTarget is one Prometheus query of a panel.
type panelTarget struct{ Title, RefID, Expr string }

// dashboardVariable is a template variable: label_values(metric, label).
type dashboardVariable struct{ Name, Definition, AllValue string }

func readDashboard(t *testing.T, path string) dashboardQueries {
	t.Helper()
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	var d struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Datasource struct {
					Type string `json:"type"`
				} `json:"datasource"`
				RefID string `json:"refId"`
				Expr  string `json:"expr"`
				Query string `json:"query"`
			} `json:"targets"`
		} `json:"panels"`
		Templating struct {
			List []struct {
				Name       string `json:"name"`
				Definition string `json:"definition"`
				AllValue   string `json:"allValue"`
			} `json:"list"`
		} `json:"templating"`
	}
	require.NoError(t, json.Unmarshal(raw, &d), "dashboard JSON")
	var q dashboardQueries
	for _, p := range d.Panels {
		for _, tg := range p.Targets {
			switch tg.Datasource.Type {
			case "prometheus":
				require.NotEmpty(t, tg.Expr, "panel %q: Prometheus target without expr", p.Title)
				q.PromQL = append(q.PromQL, tg.Expr)
				q.Targets = append(q.Targets, panelTarget{Title: p.Title, RefID: tg.RefID, Expr: tg.Expr})
			case "tempo":
				require.NotEmpty(t, tg.Query, "panel %q: Tempo target without query", p.Title)
				q.TraceQL = append(q.TraceQL, tg.Query)
			default:
				t.Fatalf("panel %q: target of datasource type %q", p.Title, tg.Datasource.Type)
			}
		}
	}
	for _, v := range d.Templating.List {
		q.PromQL = append(q.PromQL, v.Definition)
		q.Variables = append(q.Variables, dashboardVariable{Name: v.Name, Definition: v.Definition, AllValue: v.AllValue})
	}
	return q
}

// promRefs are the metric and label names a PromQL expression reads.
type promRefs struct {
	Metrics []string
	Labels  []string
}

var promKeywords = map[string]bool{
	"by": true, "without": true, "on": true, "ignoring": true, "group_left": true, "group_right": true,
	"bool": true, "and": true, "or": true, "unless": true, "offset": true,
}

// promLabelLists are the keywords followed by a parenthesised list of label names.
var promLabelLists = map[string]bool{"by": true, "without": true, "on": true, "ignoring": true, "group_left": true, "group_right": true}

// parsePromQL finds the metric and label names of an expression with a small
// lexer: enough for the queries a dashboard holds (selectors, functions,
// aggregations with by/without, binary operators, ranges, Grafana variables),
// and strict about anything else so that a query it cannot read fails the test.
func parsePromQL(expr string) (promRefs, error) {
	var refs promRefs
	toks, err := lexPromQL(expr)
	if err != nil {
		return refs, err
	}
	// label_values(metric, label): Grafana's variable query.
	if len(toks) > 0 && toks[0].text == "label_values" {
		if len(toks) != 6 || toks[1].text != "(" || toks[3].text != "," || toks[5].text != ")" {
			return refs, fmt.Errorf("label_values: want label_values(metric, label)")
		}
		return promRefs{Metrics: []string{toks[2].text}, Labels: []string{toks[4].text}}, nil
	}
	for i := 0; i < len(toks); i++ {
		tk := toks[i]
		switch {
		case tk.kind == tokIdent && promLabelLists[tk.text]:
			if i+1 >= len(toks) || toks[i+1].text != "(" {
				return refs, fmt.Errorf("%s without a label list", tk.text)
			}
			j := i + 2
			for ; j < len(toks) && toks[j].text != ")"; j++ {
				if toks[j].kind == tokIdent {
					refs.Labels = append(refs.Labels, toks[j].text)
				} else if toks[j].text != "," {
					return refs, fmt.Errorf("unexpected %q in %s list", toks[j].text, tk.text)
				}
			}
			i = j
		case tk.text == "{":
			j := i + 1
			for ; j < len(toks) && toks[j].text != "}"; j++ {
				if toks[j].kind == tokIdent {
					if j+2 >= len(toks) || toks[j+1].kind != tokOp || toks[j+2].kind != tokString {
						return refs, fmt.Errorf("matcher of %s is not label op \"value\"", toks[j].text)
					}
					refs.Labels = append(refs.Labels, toks[j].text)
					j += 2
				}
			}
			i = j
		case tk.kind == tokIdent && i+1 < len(toks) && (toks[i+1].text == "(" || toks[i+1].text == "by" || toks[i+1].text == "without"):
			// a function or aggregation (sum by (...) (...)): its arguments follow
		case tk.kind == tokIdent && !promKeywords[tk.text]:
			refs.Metrics = append(refs.Metrics, tk.text)
		}
	}
	return refs, nil
}

type tokKind int

const (
	tokIdent tokKind = iota
	tokString
	tokNumber
	tokOp
	tokPunct
)

type promToken struct {
	kind tokKind
	text string
}

var (
	reIdent  = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*`)
	reNumber = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?`)
	reOp     = regexp.MustCompile(`^(=~|!~|!=|==|<=|>=|=|<|>|\+|-|\*|/|%|\^)`)
)

func lexPromQL(s string) ([]promToken, error) {
	var toks []promToken
	for len(s) > 0 {
		switch c := s[0]; {
		case c == ' ' || c == '\n' || c == '\t':
			s = s[1:]
		case c == '"':
			end := 1
			for end < len(s) && s[end] != '"' {
				if s[end] == '\\' {
					end++
				}
				end++
			}
			if end >= len(s) {
				return nil, fmt.Errorf("unterminated string")
			}
			toks = append(toks, promToken{tokString, s[1:end]})
			s = s[end+1:]
		case c == '[':
			// a range: [5m], [$__rate_interval]
			end := strings.IndexByte(s, ']')
			if end < 0 {
				return nil, fmt.Errorf("unterminated range")
			}
			s = s[end+1:]
		case strings.ContainsRune("(){},", rune(c)):
			toks = append(toks, promToken{tokPunct, string(c)})
			s = s[1:]
		default:
			if m := reIdent.FindString(s); m != "" {
				toks = append(toks, promToken{tokIdent, m})
				s = s[len(m):]
			} else if m := reNumber.FindString(s); m != "" {
				toks = append(toks, promToken{tokNumber, m})
				s = s[len(m):]
			} else if m := reOp.FindString(s); m != "" {
				toks = append(toks, promToken{tokOp, m})
				s = s[len(m):]
			} else {
				return nil, fmt.Errorf("unexpected %q", s)
			}
		}
	}
	return toks, nil
}

// reTraceQLAttr finds span.<attribute> and resource.<attribute> in TraceQL.
var reTraceQLAttr = regexp.MustCompile(`\b(span|resource)\.("[^"]+"|[a-zA-Z_][a-zA-Z0-9_.]*)`)

func traceQLAttributes(q string) []string {
	var out []string
	for _, m := range reTraceQLAttr.FindAllStringSubmatch(q, -1) {
		out = append(out, m[1]+"."+strings.Trim(m[2], `"`))
	}
	return out
}

func TestPromQLParser(t *testing.T) {
	refs, err := parsePromQL(`sum by (a, b) (rate(m_bucket{x="1", y=~"$v"}[$__rate_interval])) / sum without (c) (n_total) > 0.5 or min(o) by (d)`)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"m_bucket", "n_total", "o"}, refs.Metrics)
	assert.ElementsMatch(t, []string{"a", "b", "x", "y", "c", "d"}, refs.Labels)

	refs, err = parsePromQL(`label_values(m_count, lbl)`)
	require.NoError(t, err)
	assert.Equal(t, promRefs{Metrics: []string{"m_count"}, Labels: []string{"lbl"}}, refs)

	_, err = parsePromQL(`m{x}`)
	assert.Error(t, err, "a matcher without operator")
	_, err = parsePromQL(`m @ 5`)
	assert.Error(t, err, "a modifier the lexer does not know")

	assert.Equal(t, []string{"span.a.b", "resource.service.name", "span.c d"},
		traceQLAttributes(`{ span.a.b = 1 && resource.service.name != "x" && span."c d" > 2 }`))
}

// checkDashboard checks that every metric and label the dashboard's PromQL
// reads exists in what prometheus_remote_write sent, and every attribute its
// TraceQL reads exists on the exported spans. Within one query every label
// must exist on every metric of the query (le: on its _bucket metrics).
func checkDashboard(t *testing.T, path string, series promSeries, spanAttributes map[string]bool) {
	t.Helper()
	q := readDashboard(t, path)
	require.NotEmpty(t, q.PromQL, "dashboard PromQL")
	require.NotEmpty(t, q.TraceQL, "dashboard TraceQL")

	checked := map[string]bool{}
	for _, expr := range q.PromQL {
		refs, err := parsePromQL(expr)
		require.NoError(t, err, "PromQL %s", expr)
		require.NotEmpty(t, refs.Metrics, "PromQL reads no metric: %s", expr)
		for _, metric := range refs.Metrics {
			labels, ok := series.labels[metric]
			if !assert.True(t, ok, "metric %s of %q was not written by the run (written: %v)", metric, expr, sortedKeys(series.labels)) {
				continue
			}
			checked[metric] = true
			for _, label := range refs.Labels {
				if label == "le" && !strings.HasSuffix(metric, "_bucket") {
					continue
				}
				assert.True(t, labels[label], "label %s of %q is not on metric %s (its labels: %v)", label, expr, metric, sortedKeys(labels))
			}
		}
	}
	t.Logf("dashboard: %d PromQL queries over %d metrics checked: %v", len(q.PromQL), len(checked), sortedKeys(checked))

	for _, query := range q.TraceQL {
		attrs := traceQLAttributes(query)
		require.NotEmpty(t, attrs, "TraceQL reads no attribute: %s", query)
		for _, a := range attrs {
			assert.True(t, spanAttributes[a], "attribute %s of TraceQL %q is on no exported span", a, query)
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}

// exampleConfig reads an example configuration as a YAML tree.
func exampleConfig(t *testing.T, name string) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "examples", name, "config.yaml"))
	require.NoError(t, err)
	var cfg map[string]any
	require.NoError(t, yaml.Unmarshal(raw, &cfg), "examples/%s/config.yaml", name)
	return cfg
}

func section(t *testing.T, cfg map[string]any, path ...string) any {
	t.Helper()
	var node any = cfg
	for _, p := range path {
		m, ok := node.(map[string]any)
		require.True(t, ok, "%v: %s is not a map", path, p)
		node, ok = m[p]
		require.True(t, ok, "%v: no %s", path, p)
	}
	return node
}

// TestExamplesShareMetricDefinitions keeps the signal_to_metrics block the same
// in every example that carries spans (a traces pipeline): the e2e run checks
// the Grafana example's block, the README documents one set of metrics.
func TestExamplesShareMetricDefinitions(t *testing.T) {
	want := section(t, exampleConfig(t, "grafana"), "connectors", "signal_to_metrics")
	configs, err := filepath.Glob(filepath.Join("..", "examples", "*", "config.yaml"))
	require.NoError(t, err)
	checked := 0
	for _, path := range configs {
		name := filepath.Base(filepath.Dir(path))
		cfg := exampleConfig(t, name)
		if !hasTracesPipeline(t, cfg) {
			continue
		}
		checked++
		got := section(t, cfg, "connectors", "signal_to_metrics")
		assert.Equal(t, want, got, "examples/%s/config.yaml: connectors.signal_to_metrics differs from examples/grafana's", name)
	}
	assert.GreaterOrEqual(t, checked, 4, "examples with a traces pipeline: grafana, local, azure-monitor, eventhubs at least")
}

// hasTracesPipeline reports whether a collector configuration has a pipeline of
// spans (traces, or traces/<name>).
func hasTracesPipeline(t *testing.T, cfg map[string]any) bool {
	t.Helper()
	pipelines, ok := section(t, cfg, "service", "pipelines").(map[string]any)
	require.True(t, ok, "service.pipelines is not a map")
	for id := range pipelines {
		if id == "traces" || strings.HasPrefix(id, "traces/") {
			return true
		}
	}
	return false
}

// reTraceQLNegation finds attribute != value and attribute !~ value (not nil).
var reTraceQLNegation = regexp.MustCompile(`\b((?:span|resource)\.(?:"[^"]+"|[a-zA-Z_][a-zA-Z0-9_.]*))\s*(?:!=|!~)\s*([^\s)&|}]+)`)

// traceQLNegationsWithoutNil lists the attributes a query compares with != or
// !~ without also taking the spans that lack the attribute (attribute = nil):
// in TraceQL a comparison matches only spans that have the attribute, so
// `{ span.a != "x" }` leaves out every span without span.a.
func traceQLNegationsWithoutNil(q string) []string {
	var out []string
	for _, m := range reTraceQLNegation.FindAllStringSubmatch(q, -1) {
		if m[2] == "nil" {
			continue
		}
		if !regexp.MustCompile(regexp.QuoteMeta(m[1]) + `\s*=\s*nil\b`).MatchString(q) {
			out = append(out, m[1])
		}
	}
	return out
}

func TestDashboardTraceQLNegationsKeepSpansWithoutTheAttribute(t *testing.T) {
	assert.Equal(t, []string{"span.azure.openai.diagnostics.status"}, traceQLNegationsWithoutNil(
		`{ span.azure.openai.usage.source =~ "estimate|diagnostics" && span.azure.openai.diagnostics.status != "overflow" }`),
		"the filter the dashboard had: empty whenever the join is off")
	assert.Empty(t, traceQLNegationsWithoutNil(
		`{ span.a =~ "x" && (span.b = nil || span.b != "overflow") && span.c != nil }`))

	q := readDashboard(t, filepath.Join("..", "examples", "grafana", "dashboard.json"))
	for _, query := range q.TraceQL {
		assert.Empty(t, traceQLNegationsWithoutNil(query),
			"%s: != / !~ drops the spans without the attribute; add `|| <attribute> = nil` if they belong in the panel", query)
	}
}
