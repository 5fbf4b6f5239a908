package join // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/join"

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatautil"
	"go.opentelemetry.io/collector/client"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// A released span must leave with its resource, its scope and the client.Info
// of the request that brought it. The gateway receiver sends one record per
// request, so thousands of pending spans carry equal resources and scopes:
// they share one spanOrigin, held once and counted once.

type resourceKey struct {
	attrs     [16]byte
	schemaURL string
	dropped   uint32
}

type scopeKey struct {
	name, version, schemaURL string
	attrs                    [16]byte
	dropped                  uint32
}

type originKey struct {
	resource resourceKey
	scope    scopeKey
	client   string // clientFingerprint
}

// detached returns k with strings of its own, for keeping (see detach.go).
func (k originKey) detached() originKey {
	k.resource.schemaURL = strings.Clone(k.resource.schemaURL)
	k.scope.name = strings.Clone(k.scope.name)
	k.scope.version = strings.Clone(k.scope.version)
	k.scope.schemaURL = strings.Clone(k.scope.schemaURL)
	return k
}

func newResourceKey(rs ptrace.ResourceSpans) resourceKey {
	return resourceKey{
		attrs:     pdatautil.MapHash(rs.Resource().Attributes()),
		schemaURL: rs.SchemaUrl(),
		dropped:   rs.Resource().DroppedAttributesCount(),
	}
}

func newScopeKey(ss ptrace.ScopeSpans) scopeKey {
	s := ss.Scope()
	return scopeKey{
		name: s.Name(), version: s.Version(), schemaURL: ss.SchemaUrl(),
		attrs: pdatautil.MapHash(s.Attributes()), dropped: s.DroppedAttributesCount(),
	}
}

// spanOrigin is the shared context of pending spans. The schema URLs of the
// resource and the scope are those of key.
type spanOrigin struct {
	key      originKey
	resource pcommon.Resource
	scope    pcommon.InstrumentationScope
	client   client.Info
	refs     int
	bytes    int64
}

// originTable interns origins; an origin lives while a pending span uses it.
type originTable struct {
	byKey map[originKey]*spanOrigin
}

func newOriginTable() originTable {
	return originTable{byKey: map[originKey]*spanOrigin{}}
}

// lookup returns the origin for key if one is held.
func (t *originTable) lookup(key originKey) *spanOrigin {
	return t.byKey[key]
}

// originBytes is what a new origin for these would hold.
func originBytes(rs ptrace.ResourceSpans, ss ptrace.ScopeSpans, fingerprint string) int64 {
	s := ss.Scope()
	return originOverheadSize + mapBytes(rs.Resource().Attributes()) + mapBytes(s.Attributes()) +
		stringBytes(rs.SchemaUrl()) + stringBytes(ss.SchemaUrl()) + stringBytes(s.Name()) +
		stringBytes(s.Version()) + stringBytes(fingerprint)
}

// insert copies the resource and scope, which key was made from, into a new
// origin. The copies take the key's detached strings rather than cloning the
// same ones again.
func (t *originTable) insert(key originKey, rs ptrace.ResourceSpans, ss ptrace.ScopeSpans, info client.Info, bytes int64) *spanOrigin {
	key = key.detached()
	o := &spanOrigin{
		key:      key,
		resource: pcommon.NewResource(),
		scope:    pcommon.NewInstrumentationScope(),
		client:   info,
		bytes:    bytes,
	}
	rs.Resource().CopyTo(o.resource)
	detachMap(o.resource.Attributes())
	ss.Scope().CopyTo(o.scope)
	o.scope.SetName(key.scope.name)
	o.scope.SetVersion(key.scope.version)
	detachMap(o.scope.Attributes())
	t.byKey[key] = o
	return o
}

// release drops one span's use of o and returns the bytes freed (0 while
// other spans still use it).
func (t *originTable) release(o *spanOrigin) int64 {
	o.refs--
	if o.refs > 0 {
		return 0
	}
	delete(t.byKey, o.key)
	return o.bytes
}

// clientFingerprint identifies a client.Info so that spans of equal clients
// can share an origin and leave in one batch. Addr and metadata compare by
// value; AuthData is an interface that cannot be compared in general, so two
// requests share it only when it is the same pointer, and otherwise unique()
// keeps them apart.
func clientFingerprint(info client.Info, unique func() uint64) string {
	if info.Addr == nil && info.Auth == nil && isEmptyMetadata(info.Metadata) {
		return ""
	}
	var b strings.Builder
	if info.Addr != nil {
		b.WriteString(info.Addr.Network())
		b.WriteByte('|')
		b.WriteString(info.Addr.String())
	}
	b.WriteByte('#')
	for _, k := range slices.Sorted(info.Metadata.Keys()) {
		b.WriteString(strconv.Quote(k))
		b.WriteByte('=')
		for _, v := range info.Metadata.Get(k) {
			b.WriteString(strconv.Quote(v))
			b.WriteByte(',')
		}
		b.WriteByte(';')
	}
	if info.Auth != nil {
		if reflect.ValueOf(info.Auth).Kind() == reflect.Pointer {
			fmt.Fprintf(&b, "#auth:%T:%p", info.Auth, info.Auth)
		} else {
			fmt.Fprintf(&b, "#auth:unique:%d", unique())
		}
	}
	return b.String()
}

func isEmptyMetadata(md client.Metadata) bool {
	for range md.Keys() {
		return false
	}
	return true
}
