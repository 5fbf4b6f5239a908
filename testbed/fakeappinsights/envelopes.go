package fakeappinsights

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
)

// spanBaseTypes are the envelope data types the exporter makes of spans:
// CLIENT, PRODUCER and INTERNAL spans become dependencies, SERVER and
// CONSUMER spans requests. Their baseData.id is the span id in hex.
var spanBaseTypes = map[string]bool{"RemoteDependencyData": true, "RequestData": true}

// envelope is the part of an Application Insights envelope the fake reads.
type envelope struct {
	Name string `json:"name"`
	Data struct {
		BaseType string `json:"baseType"`
		BaseData struct {
			ID         string            `json:"id"`
			Properties map[string]string `json:"properties"`
		} `json:"baseData"`
	} `json:"data"`
}

// decodeEnvelopes reads a request body: gzip'd when gzipped says so, one
// JSON envelope per line.
func decodeEnvelopes(body io.Reader, gzipped bool) ([]envelope, error) {
	if gzipped {
		zr, err := gzip.NewReader(body)
		if err != nil {
			return nil, fmt.Errorf("body is not gzip although Content-Encoding says so: %w", err)
		}
		defer zr.Close()
		body = zr
	}
	var out []envelope
	scanner := bufio.NewScanner(body)
	scanner.Buffer(make([]byte, 0, 64<<10), 64<<20)
	for line := 1; scanner.Scan(); line++ {
		text := bytes.TrimSpace(scanner.Bytes())
		if len(text) == 0 {
			continue
		}
		var e envelope
		if err := json.Unmarshal(text, &e); err != nil {
			return nil, fmt.Errorf("line %d is not a JSON envelope: %w", line, err)
		}
		if e.Name == "" || e.Data.BaseType == "" {
			return nil, fmt.Errorf("line %d: envelope without name or data.baseType", line)
		}
		if spanBaseTypes[e.Data.BaseType] && e.Data.BaseData.ID == "" {
			return nil, fmt.Errorf("line %d: %s without baseData.id", line, e.Data.BaseType)
		}
		out = append(out, e)
	}
	if err := scanner.Err(); err != nil {
		return nil, fmt.Errorf("reading the body: %w", err)
	}
	return out, nil
}
