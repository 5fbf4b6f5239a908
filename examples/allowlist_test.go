package examples

import (
	"bufio"
	"fmt"
	"os"
	"strings"
)

// memberRule is what the reference allows of one .NET type: every member
// (possibly but a few), or the members it lists.
type memberRule struct {
	fullName string
	all      bool
	except   map[string]bool
	members  map[string]bool // listed members; "(Constructor)" allows new T(...)
}

func (r memberRule) allows(member string) bool {
	if r.all {
		return !r.except[member]
	}
	return r.members[member]
}

// contextMember is one member of a row of the context-variable table.
type contextMember struct {
	typ     string // a context row, a .NET type, or "T": the generic method's type argument
	generic bool
}

// contextRow is one row of the context-variable table. A row with a base is
// that .NET type plus the members listed.
type contextRow struct {
	base    string
	members map[string]contextMember
}

// allowList is allowed-types.txt read into lookups.
type allowList struct {
	types     map[string]memberRule // by short name: DateTime, Dictionary, TimeZoneInfo.AdjustmentRule's AdjustmentRule
	fullNames map[string]string     // full name -> short name
	context   map[string]contextRow // by row name; rows named after a .NET type by its short name (String, byte[])
}

// keywordTypes maps C#'s keyword type names to the .NET types they stand for.
var keywordTypes = map[string]string{
	"string": "String", "bool": "Boolean", "char": "Char", "byte": "Byte", "sbyte": "SByte",
	"short": "Int16", "ushort": "UInt16", "int": "Int32", "uint": "UInt32", "long": "Int64",
	"ulong": "UInt64", "float": "Single", "double": "Double", "decimal": "Decimal",
	"object": "Object", // not in the reference's table: refused wherever it is named
}

// canonicalType turns a type as written (string, int?, byte[]) into the name
// the lookups use.
func canonicalType(t string) string {
	if short, ok := keywordTypes[t]; ok {
		return short
	}
	if strings.HasSuffix(t, "[]") {
		return canonicalType(strings.TrimSuffix(t, "[]")) + "[]"
	}
	return t
}

func readAllowList(path string) (*allowList, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	list := &allowList{types: map[string]memberRule{}, fullNames: map[string]string{}, context: map[string]contextRow{}}
	section := ""
	scanner := bufio.NewScanner(f)
	scanner.Buffer(make([]byte, 64*1024), 1024*1024)
	for n := 1; scanner.Scan(); n++ {
		line := strings.TrimSpace(scanner.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			section = line
			continue
		}
		name, rest, ok := strings.Cut(line, ": ")
		if !ok {
			return nil, fmt.Errorf("%s:%d: want \"name: members\"", path, n)
		}
		switch section {
		case "[types]":
			list.addType(name, rest)
		case "[context]":
			if err := list.addContextRow(name, rest); err != nil {
				return nil, fmt.Errorf("%s:%d: %w", path, n, err)
			}
		default:
			return nil, fmt.Errorf("%s:%d: line outside [types] and [context]", path, n)
		}
	}
	return list, scanner.Err()
}

func (l *allowList) addType(fullName, members string) {
	if generic := strings.IndexByte(fullName, '<'); generic >= 0 {
		fullName = fullName[:generic]
	}
	short := fullName[strings.LastIndexByte(fullName, '.')+1:]
	rule := memberRule{fullName: fullName, except: map[string]bool{}, members: map[string]bool{}}
	switch {
	case members == "All":
		rule.all = true
	case strings.HasPrefix(members, "All except "):
		rule.all = true
		for _, m := range strings.Split(strings.TrimPrefix(members, "All except "), ",") {
			rule.except[strings.TrimSpace(m)] = true
		}
	default:
		for _, m := range strings.Split(members, ",") {
			rule.members[strings.TrimSpace(m)] = true
		}
	}
	l.types[short] = rule
	l.fullNames[fullName] = short
}

func (l *allowList) addContextRow(name, members string) error {
	row := contextRow{members: map[string]contextMember{}}
	if open := strings.Index(name, " ("); open >= 0 && strings.HasSuffix(name, ")") {
		row.base = canonicalType(name[open+2 : len(name)-1])
		name = name[:open]
	}
	for _, m := range strings.Split(members, ", ") {
		member, typ, ok := strings.Cut(m, ": ")
		if !ok {
			return fmt.Errorf("context row %s: want \"member: type\", got %q", name, m)
		}
		cm := contextMember{typ: canonicalType(typ)}
		if strings.HasSuffix(member, "<T>()") {
			cm.generic = true
		}
		member = strings.TrimSuffix(strings.TrimSuffix(member, "()"), "<T>")
		row.members[member] = cm
	}
	l.context[canonicalType(name)] = row
	return nil
}
