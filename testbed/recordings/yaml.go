package recordings // import "github.com/otelcol-aoai/otelcol-aoai/testbed/recordings"

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// readYAMLCassette reads the VCR.py family: interactions[].request/response.
// It walks yaml.Node rather than decoding into maps, because some cassettes
// tag their keys with Python types (multidict istr) that a plain decode
// refuses, and because node order keeps header order.
func readYAMLCassette(data []byte) ([]rawExchange, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, nil
	}
	interactions := mapGet(doc.Content[0], "interactions")
	if interactions == nil || interactions.Kind != yaml.SequenceNode {
		return nil, nil
	}
	var out []rawExchange
	for i, it := range interactions.Content {
		r, err := readInteraction(it)
		if err != nil {
			return nil, fmt.Errorf("interaction %d: %w", i, err)
		}
		out = append(out, r)
	}
	return out, nil
}

func readInteraction(it *yaml.Node) (rawExchange, error) {
	var r rawExchange
	req, resp := mapGet(it, "request"), mapGet(it, "response")
	if req == nil || resp == nil {
		return r, errors.New("no request or response")
	}
	r.method = scalar(mapGet(req, "method"))
	r.url = scalar(mapGet(req, "uri"))
	r.requestHeaders = yamlHeaders(mapGet(req, "headers"))
	r.responseHeaders = yamlHeaders(mapGet(resp, "headers"))
	var err error
	if r.requestBody, err = yamlBody(req); err != nil {
		return r, fmt.Errorf("request: %w", err)
	}
	if r.responseBody, err = yamlBody(resp); err != nil {
		return r, fmt.Errorf("response: %w", err)
	}
	// VCR.py: status.code; the legacy httpx stub: status_code.
	code := scalar(mapGet(mapGet(resp, "status"), "code"))
	if code == "" {
		code = scalar(mapGet(resp, "status_code"))
	}
	if code != "" {
		if r.status, err = strconv.Atoi(code); err != nil {
			return r, fmt.Errorf("status %q: %w", code, err)
		}
	}
	return r, nil
}

// yamlBody finds the body in its recorded shapes: body: "text",
// body: {string: "text" | !!binary}, content: "text" (httpx stub) or
// parsed_body: <mapping> (pydantic-ai), re-serialized as JSON.
func yamlBody(msg *yaml.Node) (body, error) {
	if parsed := mapGet(msg, "parsed_body"); parsed != nil {
		text, err := nodeJSON(parsed)
		return body{text: text}, err
	}
	node := mapGet(msg, "body")
	if node != nil && node.Kind == yaml.MappingNode {
		node = mapGet(node, "string")
	}
	if node == nil {
		node = mapGet(msg, "content")
	}
	if node == nil || node.Kind != yaml.ScalarNode || node.Tag == "!!null" {
		return body{}, nil
	}
	if node.Tag == "!!binary" {
		data, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(node.Value), ""))
		return body{bytes: data, binary: true}, err
	}
	return body{text: node.Value}, nil
}

// yamlHeaders reads name: [values] or name: value, in recorded order. A key
// tagged !!python/object/apply:multidict._multidict.istr is a one-element
// sequence holding the name.
func yamlHeaders(node *yaml.Node) []Header {
	if node == nil || node.Kind != yaml.MappingNode {
		return nil
	}
	var out []Header
	for i := 0; i+1 < len(node.Content); i += 2 {
		key, value := node.Content[i], node.Content[i+1]
		name := key.Value
		if key.Kind == yaml.SequenceNode && len(key.Content) > 0 {
			name = key.Content[0].Value
		}
		h := Header{Name: name}
		switch value.Kind {
		case yaml.SequenceNode:
			for _, v := range value.Content {
				h.Values = append(h.Values, v.Value)
			}
		case yaml.ScalarNode:
			h.Values = []string{value.Value}
		}
		out = append(out, h)
	}
	return out
}

func mapGet(node *yaml.Node, key string) *yaml.Node {
	if node == nil || node.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(node.Content); i += 2 {
		if node.Content[i].Value == key {
			return node.Content[i+1]
		}
	}
	return nil
}

func scalar(node *yaml.Node) string {
	if node == nil || node.Kind != yaml.ScalarNode {
		return ""
	}
	return node.Value
}

// nodeJSON writes a YAML value as JSON text, keeping key order.
func nodeJSON(node *yaml.Node) (string, error) {
	var b strings.Builder
	err := writeNodeJSON(&b, node)
	return b.String(), err
}

func writeNodeJSON(b *strings.Builder, node *yaml.Node) error {
	switch node.Kind {
	case yaml.AliasNode:
		return writeNodeJSON(b, node.Alias)
	case yaml.MappingNode:
		b.WriteByte('{')
		for i := 0; i+1 < len(node.Content); i += 2 {
			if i > 0 {
				b.WriteByte(',')
			}
			key, _ := json.Marshal(node.Content[i].Value)
			b.Write(key)
			b.WriteByte(':')
			if err := writeNodeJSON(b, node.Content[i+1]); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	case yaml.SequenceNode:
		b.WriteByte('[')
		for i, item := range node.Content {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := writeNodeJSON(b, item); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	case yaml.ScalarNode:
		switch node.ShortTag() {
		case "!!null":
			b.WriteString("null")
		case "!!bool":
			var v bool
			if err := node.Decode(&v); err != nil {
				return err
			}
			b.WriteString(strconv.FormatBool(v))
		case "!!int", "!!float":
			var v float64
			if err := node.Decode(&v); err != nil {
				return err
			}
			text, err := json.Marshal(v)
			if err != nil {
				return err
			}
			if node.ShortTag() == "!!int" {
				text = []byte(node.Value)
			}
			b.Write(text)
		default:
			text, _ := json.Marshal(node.Value)
			b.Write(text)
		}
	default:
		return fmt.Errorf("unexpected YAML node kind %d", node.Kind)
	}
	return nil
}
