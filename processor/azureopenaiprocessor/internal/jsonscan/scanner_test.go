package jsonscan

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestScannerReadsNestedDocument(t *testing.T) {
	doc := `{"id":"chatcmpl-1","n":2,"f":0.5,"big":800.0,"ok":true,"no":false,"nil":null,
	"arr":[1,"two",{"x":[3]}],"esc":"a\"b\\c\u00e9\ud83d\ude0a\n","obj":{"k":"v"}}`
	var s Scanner
	s.Reset([]byte(doc))
	require.True(t, s.EnterObject())
	got := map[string]any{}
	for {
		key, ok := s.NextKey()
		if !ok {
			break
		}
		switch string(key) {
		case "id":
			v, ok := s.StrCopy()
			require.True(t, ok)
			got["id"] = v
		case "n", "big":
			v, ok := s.Int()
			require.True(t, ok)
			got[string(key)] = v
		case "f":
			v, ok := s.Float()
			require.True(t, ok)
			got["f"] = v
		case "ok", "no":
			k := string(key)
			v, ok := s.Bool()
			require.True(t, ok)
			got[k] = v
		case "nil":
			assert.True(t, s.Null())
		case "esc":
			v, ok := s.StrCopy()
			require.True(t, ok)
			got["esc"] = v
		case "arr":
			require.True(t, s.EnterArray())
			n := 0
			for s.NextElem() {
				s.Skip()
				n++
			}
			got["arr"] = n
		default:
			require.True(t, s.Skip())
		}
	}
	require.NoError(t, s.Err())
	assert.True(t, s.AtEnd())
	assert.Equal(t, map[string]any{
		"id": "chatcmpl-1", "n": int64(2), "big": int64(800), "f": 0.5, "ok": true, "no": false,
		"arr": 3, "esc": "a\"b\\cé😊\n",
	}, got)
}

func TestScannerReportsTruncatedAndGarbage(t *testing.T) {
	for _, in := range []string{
		`{"a":`, `{"a":"unterminated`, `{"a":[1,2`, `{"a" 1}`, `{1:2}`, "\x00\x01\x02", `{"a":"\u12"}`,
		`{"a":"\q"}`, `[`, `{"a":tru}`,
	} {
		var s Scanner
		s.Reset([]byte(in))
		if s.EnterObject() {
			for {
				if _, ok := s.NextKey(); !ok {
					break
				}
				if s.Peek() == String {
					s.Str()
				} else {
					s.Skip()
				}
			}
		} else {
			s.Skip()
		}
		assert.ErrorIs(t, s.Err(), ErrSyntax, "input %q", in)
	}
}

func TestScannerWrongKindsAreSkipped(t *testing.T) {
	var s Scanner
	s.Reset([]byte(`{"a":{"x":1},"b":"s","c":[1]}`))
	require.True(t, s.EnterObject())
	_, _ = s.NextKey()
	_, ok := s.Int()
	assert.False(t, ok)
	k, _ := s.NextKey()
	assert.Equal(t, "b", string(k))
	assert.False(t, s.EnterArray())
	k, _ = s.NextKey()
	assert.Equal(t, "c", string(k))
	assert.False(t, s.EnterObject())
	_, ok = s.NextKey()
	assert.False(t, ok)
	assert.NoError(t, s.Err())
}

func TestScannerDeepNestingDoesNotRecurse(t *testing.T) {
	deep := strings.Repeat("[", 1_000_000) + strings.Repeat("]", 1_000_000)
	var s Scanner
	s.Reset([]byte(deep))
	assert.True(t, s.Skip())
	assert.NoError(t, s.Err())
}

func TestScannerUnescapeMatchesEncodingJSON(t *testing.T) {
	for _, in := range []string{`"plain"`, `"tab\tnew\nline"`, `"\u0000\u001f"`, `"\ud800 lone"`, `"\/\b\f\r"`, `"日本語"`} {
		var want string
		require.NoError(t, json.Unmarshal([]byte(in), &want))
		var s Scanner
		s.Reset([]byte(in))
		got, ok := s.StrCopy()
		require.True(t, ok, in)
		assert.Equal(t, want, got, in)
	}
}

func TestScannerIntRejectsFractions(t *testing.T) {
	var s Scanner
	s.Reset([]byte(`[1.5, -3, 1e3]`))
	require.True(t, s.EnterArray())
	require.True(t, s.NextElem())
	_, ok := s.Int()
	assert.False(t, ok)
	require.True(t, s.NextElem())
	v, ok := s.Int()
	assert.True(t, ok)
	assert.Equal(t, int64(-3), v)
	require.True(t, s.NextElem())
	v, ok = s.Int()
	assert.True(t, ok)
	assert.Equal(t, int64(1000), v)
	assert.False(t, s.NextElem())
}

func TestScannerWalkers(t *testing.T) {
	doc := []byte(`{"name":"a","list":[{"name":"x"},2,{"other":1},"s"],"name":7,"args":{"k":[1]},"text":"{\"k\":1}",
	"one":{"name":"b","skip":{"name":"nested"},"name":"c"},"none":null}`)
	var s Scanner
	s.Reset(doc)
	var keys, names, positions []string
	var name, args, text string
	for key := range s.Object() {
		keys = append(keys, string(key))
		switch string(key) {
		case "name":
			s.StoreStr(&name) // the second name is a number: the first stays
		case "list":
			for pos := range s.Objects() {
				positions = append(positions, strconv.Itoa(pos))
				for range s.Member("name") {
					var n string
					s.StoreStr(&n)
					names = append(names, n)
				}
			}
		case "args":
			args = string(s.StrOrJSON())
		case "text":
			text = string(s.StrOrJSON())
		case "one":
			for range s.Member("name") {
				var n string
				s.StoreStr(&n)
				names = append(names, n)
			}
		case "none":
			assert.False(t, s.SkipUnless(Object))
		default:
			s.Skip()
		}
	}
	require.NoError(t, s.Err())
	assert.True(t, s.AtEnd())
	assert.Equal(t, []string{"name", "list", "name", "args", "text", "one", "none"}, keys)
	assert.Equal(t, "a", name)
	assert.Equal(t, []string{"0", "2"}, positions)
	assert.Equal(t, []string{"x", "b", "c"}, names)
	assert.Equal(t, `{"k":[1]}`, args)
	assert.Equal(t, `{"k":1}`, text)

	// Walkers over a value of another kind skip it and yield nothing.
	s.Reset([]byte(`["not an object"] {"x":1}`))
	for range s.Object() {
		t.Fatal("yielded for an array")
	}
	for range s.Array() {
		t.Fatal("yielded for an object")
	}
	require.NoError(t, s.Err())
	assert.True(t, s.AtEnd())
}

func TestScannerWalkersDoNotAllocate(t *testing.T) {
	doc := []byte(`{"a":[{"b":"c"},1,{"b":"d"}],"e":{"f":[1,2]},"g":"h"}`)
	var s Scanner
	n := 0
	allocs := testing.AllocsPerRun(100, func() {
		s.Reset(doc)
		for key := range s.Object() {
			switch string(key) {
			case "a":
				for range s.Objects() {
					for range s.Member("b") {
						s.Skip()
						n++
					}
				}
			case "e":
				for range s.Member("f") {
					for range s.Array() {
						s.Skip()
					}
				}
			default:
				s.Skip()
			}
		}
	})
	assert.Zero(t, allocs)
	assert.Positive(t, n)
}
