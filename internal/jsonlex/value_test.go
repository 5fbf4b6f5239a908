package jsonlex

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSkipStrict(t *testing.T) {
	for _, tc := range []struct {
		in    string
		p     Problem
		at    int // where the problem lies, or the end
		valid bool
	}{
		{in: ` {"a":[1,-2.5e+3,true,false,null,"x"],"b":{}} `, at: 45, valid: true},
		{in: `{"a":"\ud800"}`, at: 14, valid: false},
		{in: "{\"\xff\":1}", at: 7, valid: true},
		{in: `[1,]`, p: TrailingComma, at: 3},
		{in: `[1 2]`, p: ExpectedCommaOrBracket, at: 3},
		{in: `[1`, p: EndInArray, at: 2},
		{in: `{"a" 1}`, p: ExpectedColon, at: 5},
		{in: `{"a":1 "b":2}`, p: ExpectedCommaOrBrace, at: 7},
		{in: `{"a":1,}`, p: ExpectedKey, at: 7},
		{in: `{"a":1,`, p: EndInObject, at: 7},
		{in: `{1:2}`, p: ExpectedKey, at: 1},
		{in: `01`, at: 1, valid: true}, // the value is 0; the caller refuses what follows
		{in: `1.`, p: InvalidNumber, at: 2},
		{in: `1e+`, p: InvalidNumber, at: 3},
		{in: `-x`, p: InvalidValue, at: 1},
		{in: `tru`, p: InvalidValue, at: 0},
		{in: `  `, p: UnexpectedEnd, at: 2},
		{in: strings.Repeat("[", MaxDepth+1), p: TooDeep, at: MaxDepth},
	} {
		end, valid, p := Strict.Skip(tc.in, 0, 0)
		assert.Equal(t, tc.p, p, "%q: %s", tc.in, p)
		assert.Equal(t, tc.at, end, tc.in)
		if p == OK {
			assert.Equal(t, tc.valid, valid, tc.in)
		}
	}
}

func TestSkipLenient(t *testing.T) {
	deep := strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000)
	for _, tc := range []struct {
		in  string
		p   Problem
		end int
	}{
		{in: deep, end: len(deep)},
		{in: `{"a":[1 2,],"b":"]\"}"} x`, end: 23},
		{in: `1.2.3e`, end: 6}, // a run of number characters; the caller's parse judges it
		{in: "\"\x01\xff\"", end: 4},
		{in: `{"a":"\q"}`, p: InvalidEscape},
		{in: `{"a":[`, p: UnexpectedEnd},
		{in: `{"a":"`, p: UnterminatedString},
		{in: `nul`, p: InvalidValue},
		{in: `x`, p: InvalidValue},
	} {
		end, valid, p := Lenient.Skip(tc.in, 0, 0)
		assert.Equal(t, tc.p, p, "%q: %s", tc.in, p)
		assert.True(t, valid)
		if p == OK {
			assert.Equal(t, tc.end, end, tc.in)
		}
	}
}

func TestProblemTexts(t *testing.T) {
	for p := OK; p <= TrailingComma; p++ {
		assert.NotEmpty(t, problemTexts[p], "problem %d", p)
	}
	assert.Equal(t, "unknown problem", (TrailingComma + 1).String())
}
