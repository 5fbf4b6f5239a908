package examples

import (
	"fmt"
	"strings"
)

// csharpKeywords are the C# keywords that are neither types nor values the
// checker follows.
var csharpKeywords = map[string]bool{
	"as": true, "base": true, "break": true, "case": true, "catch": true, "checked": true, "const": true,
	"continue": true, "default": true, "do": true, "else": true, "false": true, "finally": true, "for": true,
	"foreach": true, "if": true, "in": true, "is": true, "nameof": true, "new": true, "null": true, "out": true,
	"ref": true, "return": true, "switch": true, "throw": true, "true": true, "try": true, "typeof": true,
	"unchecked": true, "var": true, "void": true, "when": true, "while": true,
}

// dateTimeResults are the DateTime members (of those the reference allows)
// whose result is a DateTime again, so that a chain such as
// DateTime.UtcNow.AddMinutes(1).ToUniversalTime() is followed to its end.
var dateTimeResults = map[string]bool{
	"Add": true, "AddDays": true, "AddHours": true, "AddMilliseconds": true, "AddMinutes": true,
	"AddMonths": true, "AddSeconds": true, "AddTicks": true, "AddYears": true, "Date": true,
	"MaxValue": true, "MinValue": true, "Now": true, "Parse": true, "Today": true, "UtcNow": true,
}

// value is what the checker knows of an expression: nothing, a type named
// statically (DateTime.UtcNow), or a value of a type (context.Timestamp).
type value struct {
	kind byte   // 0 unknown, 's' static type, 'v' value
	typ  string // a .NET short name (DateTime, String, byte[], DateTime?) or a context row (context.Request)
}

// expressionChecker checks one expression's tokens: every name must be a
// local, context or a type the reference allows; every member reached from
// a type the checker can follow (context and its rows, the reference's
// extension methods, a local whose type it knows, a type named statically)
// must be one the reference lists. Members of values whose type it cannot
// follow (the result of most method calls) go unchecked: the check is a
// tokenizer with a little type tracking, not a C# compiler.
type expressionChecker struct {
	allow    *allowList
	tokens   []token
	closing  map[int]int // bracket index -> its match; < of a generic -> its >
	locals   map[string]value
	problems []string
}

func checkExpression(allow *allowList, code string) []string {
	tokens, err := tokenize(code)
	if err != nil {
		return []string{err.Error()}
	}
	c := &expressionChecker{allow: allow, tokens: tokens, closing: map[int]int{}, locals: map[string]value{}}
	c.matchBrackets()
	for i := 0; i < len(tokens); i++ {
		i = c.visit(i)
	}
	return c.problems
}

func (c *expressionChecker) problemf(format string, args ...any) {
	c.problems = append(c.problems, fmt.Sprintf(format, args...))
}

func (c *expressionChecker) text(i int) string {
	if i < 0 || i >= len(c.tokens) {
		return ""
	}
	return c.tokens[i].text
}

func (c *expressionChecker) isIdent(i int) bool {
	return i >= 0 && i < len(c.tokens) && c.tokens[i].kind == 'i'
}

// matchBrackets pairs (), [] and {}, and the < > of generic arguments: a <
// right after an identifier whose tokens up to the matching > can only be a
// type list.
func (c *expressionChecker) matchBrackets() {
	var open []int
	for i, t := range c.tokens {
		switch t.text {
		case "(", "[", "{":
			open = append(open, i)
		case ")", "]", "}":
			if n := len(open); n > 0 {
				c.closing[open[n-1]] = i
				open = open[:n-1]
			}
		case "<":
			if c.isIdent(i - 1) {
				if end, ok := c.genericEnd(i); ok {
					c.closing[i] = end
				}
			}
		}
	}
}

func (c *expressionChecker) genericEnd(lt int) (int, bool) {
	depth := 0
	for j := lt; j < len(c.tokens); j++ {
		t := c.tokens[j]
		switch {
		case t.text == "<":
			depth++
		case t.text == ">":
			depth--
			if depth == 0 {
				return j, true
			}
		case t.kind == 'i' || t.text == "." || t.text == "," || t.text == "[" || t.text == "]" || t.text == "?":
		default:
			return 0, false
		}
	}
	return 0, false
}

// visit looks at the token at i and returns the last index it consumed.
func (c *expressionChecker) visit(i int) int {
	t := c.tokens[i]
	if t.text == "(" {
		if end, ok := c.lambdaParameters(i); ok {
			return end
		}
		return i
	}
	if t.kind != 'i' || c.text(i-1) == "." || c.text(i-1) == "?." {
		return i
	}
	switch {
	case t.text == "var":
		return c.declareVar(i)
	case csharpKeywords[t.text]:
		return i
	case c.text(i+1) == ":" && (c.text(i-1) == "(" || c.text(i-1) == ","):
		return i // a named argument
	case c.text(i+1) == "=>":
		c.locals[t.text] = value{}
		return i
	}
	head, next := c.head(i)
	if name, after, ok := c.declaration(next); ok {
		c.locals[name] = value{} // declared with a type refused above: known, but not followed
		if head.kind == 's' {
			c.locals[name] = value{kind: 'v', typ: head.typ + c.typeSuffix(next)}
		}
		return after
	}
	c.chain(head, i, next)
	return next - 1 // what the chain's calls and indexers hold is visited next
}

// lambdaParameters declares (a, b) => parameters.
func (c *expressionChecker) lambdaParameters(open int) (int, bool) {
	end, ok := c.closing[open]
	if !ok || c.text(end+1) != "=>" {
		return 0, false
	}
	for j := open + 1; j < end; j += 2 {
		if !c.isIdent(j) || (j+1 < end && c.text(j+1) != ",") {
			return 0, false
		}
	}
	for j := open + 1; j < end; j += 2 {
		c.locals[c.text(j)] = value{}
	}
	return end, true
}

// declareVar declares var name [= chain]; the local takes the chain's type
// when the initializer is that chain alone.
func (c *expressionChecker) declareVar(i int) int {
	if !c.isIdent(i + 1) {
		return i
	}
	name := c.text(i + 1)
	c.locals[name] = value{}
	start := i + 3
	if c.text(start) == "new" {
		start++
	}
	if c.text(i+2) != "=" || !c.isIdent(start) || csharpKeywords[c.text(start)] {
		return i + 1
	}
	head, next := c.head(start)
	v, end := c.chain(head, start, next)
	if t := c.text(end); t == ";" || t == "," || t == ")" {
		c.locals[name] = v
	}
	return next - 1
}

// head resolves the name at i (a local, context, a type, a namespace-
// qualified type) and returns the index after it (and after its generic
// arguments).
func (c *expressionChecker) head(i int) (value, int) {
	name := c.text(i)
	next := i + 1
	var v value
	switch local, isLocal := c.locals[name]; {
	case isLocal:
		v = local
	case name == "context":
		v = value{kind: 'v', typ: "context"}
	case keywordTypes[name] != "":
		v = c.staticType(keywordTypes[name], name)
	case c.allow.types[name].fullName != "":
		v = value{kind: 's', typ: name}
	case name == "System" || name == "Newtonsoft":
		qualified := name
		for c.text(next) == "." && c.isIdent(next+1) {
			qualified += "." + c.text(next+1)
			next += 2
			if short, ok := c.allow.fullNames[qualified]; ok {
				v = value{kind: 's', typ: short}
				break
			}
		}
		if v.kind == 0 {
			c.problemf("%s: not a type the reference allows", qualified)
		}
	default:
		c.problemf("%s: not a local, not context, not a type the reference allows", name)
	}
	if end, ok := c.closing[next]; ok && c.text(next) == "<" {
		next = end + 1
	}
	return v, next
}

func (c *expressionChecker) staticType(short, written string) value {
	if c.allow.types[short].fullName == "" {
		c.problemf("%s: System.%s is not a type the reference allows", written, short)
		return value{}
	}
	return value{kind: 's', typ: short}
}

// declaration reports a declaration "Type name" after a type at next (with
// [] or ? after it): the name and the index after it.
func (c *expressionChecker) declaration(next int) (string, int, bool) {
	j := next
	for c.text(j) == "[" && c.text(j+1) == "]" || c.text(j) == "?" {
		if c.text(j) == "?" {
			j++
		} else {
			j += 2
		}
	}
	if !c.isIdent(j) || csharpKeywords[c.text(j)] {
		return "", 0, false
	}
	switch c.text(j + 1) {
	case "=", ";", ",", ")", "in":
		return c.text(j), j, true
	}
	return "", 0, false
}

func (c *expressionChecker) typeSuffix(next int) string {
	switch {
	case c.text(next) == "[" && c.text(next+1) == "]":
		return "[]"
	case c.text(next) == "?":
		return "?"
	}
	return ""
}

// chain follows member accesses, calls and indexers from v (the head at
// headIndex, ending before next) and returns the chain's value and the index
// after it.
func (c *expressionChecker) chain(v value, headIndex, next int) (value, int) {
	j := next
	if c.text(headIndex-1) == "new" && v.kind == 's' {
		if rule := c.allow.types[v.typ]; !rule.all && !rule.members["(Constructor)"] {
			c.problemf("new %s(...): the reference allows no constructor of %s", v.typ, rule.fullName)
		}
		v = value{kind: 'v', typ: v.typ}
		if end, ok := c.closing[j]; ok && c.text(j) == "(" {
			j = end + 1
		}
	}
	for {
		switch c.text(j) {
		case ".", "?.":
			if !c.isIdent(j + 1) {
				return value{}, j
			}
			member := c.text(j + 1)
			j += 2
			typeArgument := ""
			if end, ok := c.closing[j]; ok && c.text(j) == "<" {
				typeArgument = c.text(j + 1)
				j = end + 1
			}
			v = c.member(v, member, typeArgument)
		case "(", "[":
			end, ok := c.closing[j]
			if !ok {
				return value{}, j
			}
			j = end + 1
			if v.kind == 's' {
				v = value{} // a cast (T)(...) or T[] in an expression
			} else if c.text(end) == "]" {
				v = value{}
			}
		default:
			return v, j
		}
	}
}

// member checks one member access and returns its value.
func (c *expressionChecker) member(v value, member, typeArgument string) value {
	if v.kind == 0 {
		// The type is not followed here; the reference's extension methods of
		// string (AsJwt, ...) still give their result.
		if m, ok := c.allow.context["String"].members[member]; ok {
			return value{kind: 'v', typ: m.typ}
		}
		return value{}
	}
	if strings.HasSuffix(v.typ, "?") { // Nullable<T>: Value is the T, the rest is Nullable's
		if member == "Value" {
			return value{kind: 'v', typ: strings.TrimSuffix(v.typ, "?")}
		}
		return c.dotnetMember(value{kind: 'v', typ: "Nullable"}, member)
	}
	row, isRow := c.allow.context[v.typ]
	if v.kind == 'v' && isRow {
		if m, ok := row.members[member]; ok {
			if m.generic {
				return value{kind: 'v', typ: canonicalType(typeArgument)}
			}
			return value{kind: 'v', typ: m.typ}
		}
		if row.base != "" {
			return c.dotnetMember(value{kind: 'v', typ: row.base}, member)
		}
		if !c.isDotnetType(v.typ) {
			c.problemf("%s.%s: the reference lists no member %s of %s", v.typ, member, member, v.typ)
			return value{}
		}
	}
	return c.dotnetMember(v, member)
}

func (c *expressionChecker) isDotnetType(typ string) bool {
	if strings.HasSuffix(typ, "[]") {
		typ = "Array"
	}
	return c.allow.types[typ].fullName != ""
}

func (c *expressionChecker) dotnetMember(v value, member string) value {
	typ := v.typ
	if strings.HasSuffix(typ, "[]") {
		typ = "Array"
	}
	rule, ok := c.allow.types[typ]
	if !ok {
		c.problemf("%s.%s: %s is not a type the reference allows", v.typ, member, v.typ)
		return value{}
	}
	if !rule.allows(member) {
		c.problemf("%s.%s: not among the members the reference allows of %s", v.typ, member, rule.fullName)
		return value{}
	}
	if typ == "DateTime" && dateTimeResults[member] {
		return value{kind: 'v', typ: "DateTime"}
	}
	return value{}
}
