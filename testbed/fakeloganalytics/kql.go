package fakeloganalytics // import "github.com/otelcol-aoai/otelcol-aoai/testbed/fakeloganalytics"

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The fake understands the subset of KQL a diagnostics join sends, and parses
// it for real: a table name, then `| where` and `| project` operators. Anything
// outside the subset is a syntax error, answered like the real API answers one
// (400 BadArgumentError), so a query the joiner builds wrongly fails its tests
// instead of being matched by a forgiving regular expression.
//
//	query      = identifier { "|" operator }
//	operator   = "where" condition { "and" condition } | "project" item { "," item }
//	           | "extend" identifier "=" "ingestion_time" "(" ")"
//	           | "sort" "by" column [ "asc" | "desc" ] | "take" number
//	condition  = column "between" "(" datetime ".." datetime ")"
//	           | column ("==" | "=~" | "!=") string
//	           | column ("in" | "in~" | "!in") "(" string { "," string } ")"
//	item       = column | identifier "=" "column_ifexists" "(" string "," default ")"
//	default    = string | number | "dynamic" "(" ( "null" | string ) ")"
//	string     = '"' … '"' | "'" … "'" | "@" quoted   (KQL escapes: \\ \" \' \t \n \r)
type parsedQuery struct {
	Table      string
	Conditions []condition
	Project    []projection
	// IngestionColumn is the column an extend set to ingestion_time().
	IngestionColumn string
	// SortBy orders the rows by a datetime column (descending with SortDesc).
	SortBy   string
	SortDesc bool
	// Take is the most rows answered; 0 is no limit.
	Take int
}

type conditionKind int

const (
	conditionBetween conditionKind = iota
	conditionEquals
	conditionIn
)

type condition struct {
	Kind   conditionKind
	Column string
	// Negate is set for != and !in.
	Negate bool
	// CaseInsensitive is set for =~ and in~.
	CaseInsensitive bool
	Values          []string
	From, To        time.Time
	// set holds Values (lower-cased when CaseInsensitive) for in-lists of
	// hundreds of keys.
	set map[string]struct{}
}

type projection struct {
	// Name is the output column's name.
	Name string
	// Source is the table column read; for column_ifexists, the column named in
	// its first argument.
	Source string
	// IfExists marks column_ifexists: a missing Source yields Default.
	IfExists bool
	// Default is column_ifexists' second argument, already typed.
	Default     any
	DefaultType string
}

// syntaxError is a query the fake cannot parse; the server answers it with the
// API's SyntaxError shape.
type syntaxError struct {
	pos int
	msg string
}

func (e *syntaxError) Error() string {
	return fmt.Sprintf("Query could not be parsed at position %d: %s", e.pos, e.msg)
}

type tokenKind int

const (
	tokenEOF tokenKind = iota
	tokenIdent
	tokenString
	tokenNumber
	tokenDatetime
	tokenPunct
)

type token struct {
	kind tokenKind
	text string // identifier, punctuation, decoded string, number or datetime text
	pos  int
}

// tokenize splits KQL into tokens, decoding string literals with KQL's rules.
func tokenize(src string) ([]token, error) {
	var tokens []token
	i := 0
	for i < len(src) {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '/' && strings.HasPrefix(src[i:], "//"):
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case c == '"' || c == '\'':
			s, next, err := readQuoted(src, i)
			if err != nil {
				return nil, err
			}
			tokens = append(tokens, token{kind: tokenString, text: s, pos: i})
			i = next
		case c == '@' && i+1 < len(src) && (src[i+1] == '"' || src[i+1] == '\''):
			s, next, err := readVerbatim(src, i+1)
			if err != nil {
				return nil, err
			}
			tokens = append(tokens, token{kind: tokenString, text: s, pos: i})
			i = next
		case c == '[' && i+1 < len(src) && (src[i+1] == '"' || src[i+1] == '\''):
			// ['column name'] quotes an identifier.
			s, next, err := readQuoted(src, i+1)
			if err != nil {
				return nil, err
			}
			if next >= len(src) || src[next] != ']' {
				return nil, &syntaxError{pos: next, msg: "expected ] after a quoted identifier"}
			}
			tokens = append(tokens, token{kind: tokenIdent, text: s, pos: i})
			i = next + 1
		case isIdentStart(c):
			start := i
			for i < len(src) && isIdentPart(src[i]) {
				i++
			}
			word := src[start:i]
			if word == "datetime" && i < len(src) && src[i] == '(' {
				// datetime(2024-05-24T12:23:02Z): the literal inside is unquoted.
				end := strings.IndexByte(src[i:], ')')
				if end < 0 {
					return nil, &syntaxError{pos: i, msg: "unterminated datetime literal"}
				}
				tokens = append(tokens, token{kind: tokenDatetime, text: strings.TrimSpace(src[i+1 : i+end]), pos: start})
				i += end + 1
				continue
			}
			if word == "in" && i < len(src) && src[i] == '~' {
				word = "in~"
				i++
			}
			tokens = append(tokens, token{kind: tokenIdent, text: word, pos: start})
		case c >= '0' && c <= '9' || c == '-' && i+1 < len(src) && src[i+1] >= '0' && src[i+1] <= '9':
			start := i
			i++
			for i < len(src) && (src[i] >= '0' && src[i] <= '9' || src[i] == '.' && !strings.HasPrefix(src[i:], "..")) {
				i++
			}
			tokens = append(tokens, token{kind: tokenNumber, text: src[start:i], pos: start})
		default:
			p := punctuationAt(src[i:])
			if p == "" {
				return nil, &syntaxError{pos: i, msg: fmt.Sprintf("unexpected character %q", c)}
			}
			tokens = append(tokens, token{kind: tokenPunct, text: p, pos: i})
			i += len(p)
		}
	}
	return append(tokens, token{kind: tokenEOF, pos: len(src)}), nil
}

// punctuationAt returns the operator or punctuation mark src starts with, longest first.
func punctuationAt(src string) string {
	for _, p := range []string{"..", "==", "=~", "!=", "!in~", "!in", "|", "(", ")", ",", "="} {
		if strings.HasPrefix(src, p) {
			return p
		}
	}
	return ""
}

func isIdentStart(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isIdentPart(c byte) bool  { return isIdentStart(c) || c >= '0' && c <= '9' }

// readQuoted decodes a '…' or "…" literal starting at src[start], with KQL's
// backslash escapes. A raw line break inside a literal is an error, as in KQL.
func readQuoted(src string, start int) (string, int, error) {
	quote := src[start]
	var b strings.Builder
	for i := start + 1; i < len(src); i++ {
		c := src[i]
		switch {
		case c == quote:
			return b.String(), i + 1, nil
		case c == '\n' || c == '\r':
			return "", 0, &syntaxError{pos: i, msg: "line break inside a string literal"}
		case c == '\\':
			if i+1 >= len(src) {
				return "", 0, &syntaxError{pos: i, msg: "unterminated escape"}
			}
			i++
			switch src[i] {
			case '\\', '"', '\'':
				b.WriteByte(src[i])
			case 't':
				b.WriteByte('\t')
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			default:
				return "", 0, &syntaxError{pos: i, msg: fmt.Sprintf("unknown escape \\%c", src[i])}
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", 0, &syntaxError{pos: start, msg: "unterminated string literal"}
}

// readVerbatim decodes @"…" / @'…': no escapes, a doubled quote is one quote.
func readVerbatim(src string, start int) (string, int, error) {
	quote := src[start]
	var b strings.Builder
	for i := start + 1; i < len(src); i++ {
		if src[i] != quote {
			b.WriteByte(src[i])
			continue
		}
		if i+1 < len(src) && src[i+1] == quote {
			b.WriteByte(quote)
			i++
			continue
		}
		return b.String(), i + 1, nil
	}
	return "", 0, &syntaxError{pos: start, msg: "unterminated verbatim string literal"}
}

type parser struct {
	tokens []token
	i      int
}

func (p *parser) peek() token { return p.tokens[p.i] }

func (p *parser) next() token {
	t := p.tokens[p.i]
	if t.kind != tokenEOF {
		p.i++
	}
	return t
}

func (p *parser) fail(t token, format string, args ...any) error {
	return &syntaxError{pos: t.pos, msg: fmt.Sprintf(format, args...)}
}

func (p *parser) expectPunct(text string) error {
	t := p.next()
	if t.kind != tokenPunct || t.text != text {
		return p.fail(t, "expected %q, found %q", text, t.text)
	}
	return nil
}

func (p *parser) expectIdent() (string, error) {
	t := p.next()
	if t.kind != tokenIdent {
		return "", p.fail(t, "expected an identifier, found %q", t.text)
	}
	return t.text, nil
}

func (p *parser) expectString() (string, error) {
	t := p.next()
	if t.kind != tokenString {
		return "", p.fail(t, "expected a string literal, found %q", t.text)
	}
	return t.text, nil
}

// parseQuery parses the KQL subset described at the top of this file.
func parseQuery(src string) (*parsedQuery, error) {
	tokens, err := tokenize(src)
	if err != nil {
		return nil, err
	}
	p := &parser{tokens: tokens}
	q := &parsedQuery{}
	if q.Table, err = p.expectIdent(); err != nil {
		return nil, err
	}
	for p.peek().kind != tokenEOF {
		if err = p.expectPunct("|"); err != nil {
			return nil, err
		}
		op, err := p.expectIdent()
		if err != nil {
			return nil, err
		}
		switch op {
		case "where":
			for {
				c, err := p.parseCondition()
				if err != nil {
					return nil, err
				}
				q.Conditions = append(q.Conditions, c)
				if t := p.peek(); t.kind != tokenIdent || t.text != "and" {
					break
				}
				p.next()
			}
		case "project":
			if q.Project != nil {
				return nil, p.fail(p.tokens[p.i-1], "the fake supports one project operator")
			}
			for {
				item, err := p.parseProjection()
				if err != nil {
					return nil, err
				}
				q.Project = append(q.Project, item)
				if t := p.peek(); t.kind != tokenPunct || t.text != "," {
					break
				}
				p.next()
			}
		case "extend":
			if err := p.parseExtend(q); err != nil {
				return nil, err
			}
		case "sort", "order":
			if err := p.parseSort(q); err != nil {
				return nil, err
			}
		case "take", "limit":
			t := p.next()
			n, err := strconv.Atoi(t.text)
			if t.kind != tokenNumber || err != nil || n < 0 {
				return nil, p.fail(t, "expected a row count, found %q", t.text)
			}
			q.Take = n
		default:
			return nil, p.fail(p.tokens[p.i-1], "operator %q is outside the supported subset", op)
		}
	}
	for i := range q.Conditions {
		c := &q.Conditions[i]
		c.set = make(map[string]struct{}, len(c.Values))
		for _, v := range c.Values {
			if c.CaseInsensitive {
				v = strings.ToLower(v)
			}
			c.set[v] = struct{}{}
		}
	}
	return q, nil
}

// parseExtend reads `extend Name = ingestion_time()`, the one computed column
// the fake knows.
func (p *parser) parseExtend(q *parsedQuery) error {
	name, err := p.expectIdent()
	if err != nil {
		return err
	}
	if err = p.expectPunct("="); err != nil {
		return err
	}
	fn := p.next()
	if fn.kind != tokenIdent || fn.text != "ingestion_time" {
		return p.fail(fn, "function %q is outside the supported subset", fn.text)
	}
	if err = p.expectPunct("("); err != nil {
		return err
	}
	if err = p.expectPunct(")"); err != nil {
		return err
	}
	if q.IngestionColumn != "" {
		return p.fail(fn, "the fake supports one extend")
	}
	q.IngestionColumn = name
	return nil
}

// parseSort reads `sort by Column [asc|desc]` (KQL's default is desc).
func (p *parser) parseSort(q *parsedQuery) error {
	if by := p.next(); by.kind != tokenIdent || by.text != "by" {
		return p.fail(by, "expected by, found %q", by.text)
	}
	column, err := p.expectIdent()
	if err != nil {
		return err
	}
	q.SortBy, q.SortDesc = column, true
	if t := p.peek(); t.kind == tokenIdent && (t.text == "asc" || t.text == "desc") {
		p.next()
		q.SortDesc = t.text == "desc"
	}
	return nil
}

func (p *parser) parseCondition() (condition, error) {
	column, err := p.expectIdent()
	if err != nil {
		return condition{}, err
	}
	c := condition{Column: column}
	op := p.next()
	switch {
	case op.kind == tokenIdent && op.text == "between":
		c.Kind = conditionBetween
		if err = p.expectPunct("("); err != nil {
			return c, err
		}
		if c.From, err = p.parseDatetime(); err != nil {
			return c, err
		}
		if err = p.expectPunct(".."); err != nil {
			return c, err
		}
		if c.To, err = p.parseDatetime(); err != nil {
			return c, err
		}
		return c, p.expectPunct(")")
	case op.kind == tokenPunct && (op.text == "==" || op.text == "=~" || op.text == "!="):
		c.Kind = conditionEquals
		c.CaseInsensitive = op.text == "=~"
		c.Negate = op.text == "!="
		v, err := p.expectString()
		c.Values = []string{v}
		return c, err
	case op.kind == tokenIdent && (op.text == "in" || op.text == "in~"),
		op.kind == tokenPunct && (op.text == "!in" || op.text == "!in~"):
		c.Kind = conditionIn
		c.CaseInsensitive = strings.HasSuffix(op.text, "~")
		c.Negate = strings.HasPrefix(op.text, "!")
		if err = p.expectPunct("("); err != nil {
			return c, err
		}
		for {
			v, err := p.expectString()
			if err != nil {
				return c, err
			}
			c.Values = append(c.Values, v)
			t := p.next()
			if t.kind == tokenPunct && t.text == ")" {
				return c, nil
			}
			if t.kind != tokenPunct || t.text != "," {
				return c, p.fail(t, "expected , or ) in an in-list, found %q", t.text)
			}
		}
	default:
		return c, p.fail(op, "operator %q is outside the supported subset", op.text)
	}
}

func (p *parser) parseDatetime() (time.Time, error) {
	t := p.next()
	if t.kind != tokenDatetime {
		return time.Time{}, p.fail(t, "expected datetime(...), found %q", t.text)
	}
	v, err := time.Parse(time.RFC3339Nano, t.text)
	if err != nil {
		return time.Time{}, p.fail(t, "bad datetime literal %q", t.text)
	}
	return v, nil
}

func (p *parser) parseProjection() (projection, error) {
	name, err := p.expectIdent()
	if err != nil {
		return projection{}, err
	}
	if t := p.peek(); t.kind != tokenPunct || t.text != "=" {
		return projection{Name: name, Source: name}, nil
	}
	p.next()
	fn, err := p.expectIdent()
	if err != nil {
		return projection{}, err
	}
	if fn != "column_ifexists" {
		return projection{}, p.fail(p.tokens[p.i-1], "function %q is outside the supported subset", fn)
	}
	item := projection{Name: name, IfExists: true}
	if err = p.expectPunct("("); err != nil {
		return item, err
	}
	if item.Source, err = p.expectString(); err != nil {
		return item, err
	}
	if err = p.expectPunct(","); err != nil {
		return item, err
	}
	if item.Default, item.DefaultType, err = p.parseDefault(); err != nil {
		return item, err
	}
	return item, p.expectPunct(")")
}

func (p *parser) parseDefault() (any, string, error) {
	t := p.next()
	switch {
	case t.kind == tokenString:
		return t.text, columnString, nil
	case t.kind == tokenNumber:
		if n, err := strconv.ParseInt(t.text, 10, 64); err == nil {
			return n, columnLong, nil
		}
		f, err := strconv.ParseFloat(t.text, 64)
		if err != nil {
			return nil, "", p.fail(t, "bad number %q", t.text)
		}
		return f, columnReal, nil
	case t.kind == tokenIdent && t.text == "dynamic":
		if err := p.expectPunct("("); err != nil {
			return nil, "", err
		}
		inner := p.next()
		var v any
		switch {
		case inner.kind == tokenIdent && inner.text == "null":
		case inner.kind == tokenString:
			v = inner.text
		default:
			return nil, "", p.fail(inner, "unsupported dynamic literal %q", inner.text)
		}
		return v, columnDynamic, p.expectPunct(")")
	}
	return nil, "", p.fail(t, "unsupported default value %q", t.text)
}

// keyCondition returns the in-list condition on column, the join's key list.
func (q *parsedQuery) keyCondition() (condition, bool) {
	for _, c := range q.Conditions {
		if c.Kind == conditionIn && !c.Negate && c.Column != "Category" {
			return c, true
		}
	}
	return condition{}, false
}

// window returns the TimeGenerated bounds of the query, if it has them.
func (q *parsedQuery) window() (from, to time.Time, ok bool) {
	return q.between("TimeGenerated")
}

// ingestionRange returns the bounds the query puts on ingestion_time(), if
// it has them.
func (q *parsedQuery) ingestionRange() (from, to time.Time, ok bool) {
	if q.IngestionColumn == "" {
		return time.Time{}, time.Time{}, false
	}
	return q.between(q.IngestionColumn)
}

func (q *parsedQuery) between(column string) (from, to time.Time, ok bool) {
	for _, c := range q.Conditions {
		if c.Kind == conditionBetween && c.Column == column {
			return c.From, c.To, true
		}
	}
	return time.Time{}, time.Time{}, false
}

// cell is a column of a row as the query sees it: the extended
// ingestion-time column, else the table's.
func (q *parsedQuery) cell(r *Row, schema *workspaceSchema, column string) (any, bool) {
	if column == q.IngestionColumn && column != "" {
		return r.IngestionTime(), true
	}
	return schema.cell(r, column)
}

// matches evaluates every where-condition against one row.
func (q *parsedQuery) matches(r *Row, schema *workspaceSchema) (bool, error) {
	for _, c := range q.Conditions {
		value, ok := q.cell(r, schema, c.Column)
		if !ok {
			return false, fmt.Errorf("Failed to resolve scalar expression named '%s'", c.Column)
		}
		if c.Kind == conditionBetween {
			ts, isTime := value.(time.Time)
			if !isTime || ts.Before(c.From) || ts.After(c.To) {
				return false, nil
			}
			continue
		}
		s := fmt.Sprint(value)
		if c.CaseInsensitive {
			s = strings.ToLower(s)
		}
		_, hit := c.set[s]
		if hit == c.Negate {
			return false, nil
		}
	}
	return true, nil
}
