package summary // import "github.com/otelcol-aoai/otelcol-aoai/internal/summary"

import (
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// sourceMeaning says in words where a usage source's counts came from.
var sourceMeaning = map[string]string{
	"response":    "usage in the response body",
	"stream":      "usage chunk of the stream",
	"diagnostics": "Azure diagnostic log, joined",
	"estimate":    "tokenizer estimate",
	"sender":      "set by the sender",
	"none":        "no token count",
}

// Write prints the summary as three small tables.
func (s Summary) Write(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%d model calls (%d spans)", s.Calls, s.Spans)
	if !s.From.IsZero() {
		fmt.Fprintf(&b, ", %s to %s UTC", s.From.UTC().Format("2006-01-02 15:04:05"), s.To.UTC().Format("2006-01-02 15:04:05"))
	}
	b.WriteString("\n")
	if s.Calls == 0 {
		_, err := io.WriteString(w, b.String())
		return err
	}

	b.WriteString("\nTokens per caller and deployment\n")
	tokens := table{align: "llrrrrr", header: []string{"caller", "deployment", "calls", "input", "output", "total", "cached"}}
	for _, r := range append(slices.Clip(s.Tokens), s.Total()) {
		tokens.add(r.Caller, r.Deployment, num(int64(r.Calls)), num(r.InputTokens), num(r.OutputTokens),
			num(r.InputTokens+r.OutputTokens), num(r.CachedTokens))
	}
	tokens.write(&b)

	b.WriteString("\nLatency per region (gateway to model and back)\n")
	regions := table{align: "lrrrrrr", header: []string{"region", "calls", "failed", "p50", "p95", "max", "first chunk p50"}}
	for _, r := range s.Regions {
		ttfc := "-"
		if r.Streams > 0 {
			ttfc = seconds(r.TimeToFirstP50) + fmt.Sprintf(" (%d stream%s)", r.Streams, plural(r.Streams))
		}
		regions.add(r.Region, num(int64(r.Calls)), num(int64(r.Failed)), seconds(r.P50), seconds(r.P95), seconds(r.Max), ttfc)
	}
	regions.write(&b)

	b.WriteString("\nUsage source (where the token counts came from)\n")
	sources := table{align: "lrrrl", header: []string{"source", "calls", "input", "output", "meaning"}}
	for _, r := range s.Sources {
		sources.add(r.Source, num(int64(r.Calls)), num(r.InputTokens), num(r.OutputTokens), sourceMeaning[r.Source])
	}
	sources.write(&b)

	if len(s.Costs) > 0 {
		s.writeCosts(&b)
	}
	if len(s.PTU) > 0 {
		s.writePTU(&b)
	}

	if len(s.Diagnostics) > 0 {
		b.WriteString("\nDiagnostics join:")
		for _, status := range []string{"joined", "not_found", "error", "overflow"} {
			if n := s.Diagnostics[status]; n > 0 {
				fmt.Fprintf(&b, " %s %d", status, n)
			}
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// money prints an amount to the millionth, or, when it is smaller than
// that but not zero (one embeddings call costs a few ten-millionths), with
// three significant digits, so that a priced call never reads as free.
func money(amount float64) string {
	if amount != 0 && math.Abs(amount) < 0.0000005 {
		return strconv.FormatFloat(amount, 'g', 3, 64)
	}
	return strconv.FormatFloat(amount, 'f', 6, 64)
}

// writeCosts prints "Cost per caller and deployment": the sum of the calls'
// azure.openai.cost.amount, and the calls with usage that have no price.
func (s Summary) writeCosts(b *strings.Builder) {
	b.WriteString("\nCost per caller and deployment (azure.openai.cost.amount; provisioned: the capacity used)\n")
	costs := table{align: "lllrrl", header: []string{"caller", "deployment", "basis", "calls", "cost", "currency"}}
	for _, r := range append(slices.Clip(s.Costs), s.CostTotals()...) {
		costs.add(r.Caller, r.Deployment, r.Basis, num(int64(r.Calls)), money(r.Amount), r.Currency)
	}
	costs.write(b)
	if s.Unpriced.Calls == 0 {
		return
	}
	fmt.Fprintf(b, "  not priced: %d call%s with token usage and no price (", s.Unpriced.Calls, plural(s.Unpriced.Calls))
	for i, model := range slices.Sorted(maps.Keys(s.Unpriced.ByModel)) {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(b, "%s %d", model, s.Unpriced.ByModel[model])
	}
	b.WriteString("): add a price in pricing.prices\n")
}

// writePTU prints "PTU cost per caller, by hour": each caller's share of a
// provisioned deployment's PTU-minutes in an hour, and that share of the
// hour's cost when the deployment's size and price were given (-ptu).
func (s Summary) writePTU(b *strings.Builder) {
	b.WriteString("\nPTU cost per caller, by hour (share of the deployment's PTU-minutes)\n")
	ptu := table{align: "lllrrrrr", header: []string{"hour (UTC)", "deployment", "caller", "calls", "PTU-min", "share", "cost", "utilization"}}
	for _, r := range s.PTU {
		cost, util := "-", "-"
		if r.HasCost {
			cost = strconv.FormatFloat(r.Cost, 'f', 2, 64)
			util = strconv.FormatFloat(100*r.Utilization, 'f', 1, 64) + "%"
		}
		ptu.add(r.Hour.Format("2006-01-02 15:00"), r.Deployment, r.Caller, num(int64(r.Calls)),
			strconv.FormatFloat(r.Units, 'f', 2, 64), strconv.FormatFloat(100*r.Share, 'f', 1, 64)+"%", cost, util)
	}
	ptu.write(b)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// num writes an integer with thin groups: 1 234 567.
func num(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func seconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', 3, 64) + " s"
}

// table lines up columns: align holds 'l' or 'r' per column.
type table struct {
	align  string
	header []string
	rows   [][]string
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

func (t *table) write(b *strings.Builder) {
	widths := make([]int, len(t.header))
	for _, row := range append([][]string{t.header}, t.rows...) {
		for i, cell := range row {
			widths[i] = max(widths[i], utf8.RuneCountInString(cell))
		}
	}
	line := func(row []string) {
		var l strings.Builder
		for i, cell := range row {
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(cell))
			if i > 0 {
				l.WriteString("  ")
			}
			if t.align[i] == 'r' {
				l.WriteString(pad + cell)
			} else {
				l.WriteString(cell + pad)
			}
		}
		b.WriteString("  " + strings.TrimRight(l.String(), " ") + "\n")
	}
	line(t.header)
	for _, row := range t.rows {
		line(row)
	}
}
