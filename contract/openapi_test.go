package contract_test

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/contract"
	"github.com/apikeys-dev/apikeys/model"
)

// The published contract: server/httpapi serves this file at
// /api/v1/openapi.json, and the CLI's --json output is described in it too.
const openAPIPath = "../server/httpapi/openapi.json"

// contractTypes are the types scripts read or send, each documented by the schema
// of its own name. request types are sent by clients: a pointer there tells a
// missing field from an empty one and is not nullable.
var contractTypes = []struct {
	v       any
	request bool
}{
	{v: contract.Key{}}, {v: contract.MemberRef{}}, {v: contract.CreatedKey{}}, {v: contract.RotatedKey{}},
	{v: contract.Member{}}, {v: contract.SSHKey{}},
	{v: contract.AuditEvent{}}, {v: contract.Actor{}}, {v: contract.EventPage{}},
	{v: contract.VerifyRequest{}, request: true}, {v: contract.VerifyValid{}}, {v: contract.VerifyInvalid{}},
	{v: contract.Error{}},
	{v: contract.Webhook{}}, {v: contract.CreatedWebhook{}}, {v: contract.RemovedWebhook{}},
	{v: contract.WebhookDelivery{}}, {v: contract.WebhookAttempt{}}, {v: contract.WebhookTest{}},
	{v: contract.Backup{}}, {v: contract.Config{}}, {v: contract.Setting{}},
	{v: contract.AllowList{}}, {v: contract.KeyAddress{}}, {v: contract.RefusedKey{}}, {v: contract.KeyRef{}},
	{v: contract.UsageDay{}}, {v: contract.UsageRefusals{}}, {v: contract.ReportRow{}},
}

// hookData are the shapes of a webhook message's data, one per kind of event,
// each documented by the schema of its name. They live in model beside the
// events that fill them, as the audit payloads do.
var hookData = []any{model.HookKeyData{}, model.HookMemberData{}, model.HookAllowlistData{}, model.HookPingData{}}

// Schemas that are not one Go struct: enums, and the union of verify's answers.
var notStructs = map[string]bool{"EventType": true, "KeyType": true, "AccountType": true, "VerifyResponse": true, "WebhookEvent": true}

// inlineOnly are contract structs described inline by their parent's schema.
var inlineOnly = map[string]bool{"ErrorDetail": true}

type schema struct {
	Ref                  string             `json:"$ref"`
	Type                 any                `json:"type"` // a name or a list of names
	Format               string             `json:"format"`
	Enum                 []any              `json:"enum"`
	Const                any                `json:"const"`
	Required             []string           `json:"required"`
	Properties           map[string]*schema `json:"properties"`
	Items                *schema            `json:"items"`
	OneOf                []*schema          `json:"oneOf"`
	AdditionalProperties any                `json:"additionalProperties"`
}

func (s *schema) types() []string {
	switch t := s.Type.(type) {
	case string:
		return []string{t}
	case []any:
		var out []string
		for _, x := range t {
			out = append(out, x.(string))
		}
		return out
	}
	return nil
}

type doc struct {
	Components struct {
		Schemas map[string]*schema `json:"schemas"`
	} `json:"components"`
	// Webhooks are the requests receivers get, by event type.
	Webhooks map[string]struct {
		Post struct {
			RequestBody struct {
				Content map[string]struct {
					Schema schema `json:"schema"`
				} `json:"content"`
			} `json:"requestBody"`
		} `json:"post"`
	} `json:"webhooks"`
}

func loadDoc(t *testing.T) doc {
	t.Helper()
	raw, err := os.ReadFile(openAPIPath)
	if err != nil {
		t.Fatal(err)
	}
	var d doc
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatalf("%s: %v", openAPIPath, err)
	}
	return d
}

func (d doc) resolve(t *testing.T, s *schema) *schema {
	t.Helper()
	for s != nil && s.Ref != "" {
		name, ok := strings.CutPrefix(s.Ref, "#/components/schemas/")
		if !ok || d.Components.Schemas[name] == nil {
			t.Fatalf("dangling $ref %q", s.Ref)
		}
		s = d.Components.Schemas[name]
	}
	return s
}

// checker compares Go types with schemas, collecting mismatches by path.
type checker struct {
	t       *testing.T
	d       doc
	request bool
	errs    []string
}

func (c *checker) fail(path, format string, a ...any) {
	c.errs = append(c.errs, path+": "+fmt.Sprintf(format, a...))
}

var (
	timeType = reflect.TypeFor[time.Time]()
	rawType  = reflect.TypeFor[json.RawMessage]()
)

// field is one JSON member of a struct, embedded structs flattened as
// encoding/json does.
type field struct {
	name      string
	typ       reflect.Type
	omitempty bool
}

func jsonFields(t reflect.Type) []field {
	var out []field
	for i := range t.NumField() {
		f := t.Field(i)
		tag, hasTag := f.Tag.Lookup("json")
		if f.Anonymous && !hasTag && f.Type.Kind() == reflect.Struct {
			out = append(out, jsonFields(f.Type)...)
			continue
		}
		if !f.IsExported() || tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" {
			name = f.Name
		}
		out = append(out, field{name: name, typ: f.Type, omitempty: slices.Contains(strings.Split(opts, ","), "omitempty")})
	}
	return out
}

// object checks struct type t against object schema s, both ways.
func (c *checker) object(path string, t reflect.Type, s *schema) {
	s = c.d.resolve(c.t, s)
	if !slices.Contains(s.types(), "object") {
		c.fail(path, "Go has a struct, the schema type is %v", s.Type)
		return
	}
	fields := jsonFields(t)
	seen := map[string]bool{}
	for _, f := range fields {
		seen[f.name] = true
		p, ok := s.Properties[f.name]
		if !ok {
			c.fail(path+"."+f.name, "field %s of %s is not in the schema", f.name, t)
			continue
		}
		required := slices.Contains(s.Required, f.name)
		if required == f.omitempty {
			c.fail(path+"."+f.name, "always written in Go (no omitempty): %v; required in the schema: %v", !f.omitempty, required)
		}
		c.value(path+"."+f.name, f.typ, p, !f.omitempty)
	}
	for name := range s.Properties {
		if !seen[name] {
			c.fail(path+"."+name, "schema property %s has no field in %s", name, t)
		}
	}
	for _, name := range s.Required {
		if !seen[name] {
			c.fail(path+"."+name, "required property %s has no field in %s", name, t)
		}
	}
}

// value checks one field's Go type against its property schema. always means
// the field is always written (no omitempty): a pointer then writes null.
func (c *checker) value(path string, t reflect.Type, s *schema, always bool) {
	if t == rawType || t.Kind() == reflect.Interface {
		if len(s.OneOf) == 0 {
			c.fail(path, "raw JSON or an interface in Go: the schema should say which shapes it takes (oneOf)")
		}
		return
	}
	s = c.d.resolve(c.t, s)
	if t.Kind() == reflect.Pointer {
		nullable := slices.Contains(s.types(), "null")
		if want := always && !c.request; nullable != want {
			c.fail(path, "a pointer written as null when absent: %v; the schema allows null: %v", want, nullable)
		}
		t = t.Elem()
	}
	want := ""
	switch {
	case t == timeType:
		want = "string"
		if s.Format != "date-time" {
			c.fail(path, "a time in Go, format %q in the schema", s.Format)
		}
	case t.Kind() == reflect.String:
		want = "string"
	case t.Kind() == reflect.Bool:
		want = "boolean"
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64:
		want = "integer"
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		want = "number"
	case t.Kind() == reflect.Slice:
		if !slices.Contains(s.types(), "array") || s.Items == nil {
			c.fail(path, "a slice in Go, type %v in the schema", s.Type)
			return
		}
		c.value(path+"[]", t.Elem(), s.Items, true)
		return
	case t.Kind() == reflect.Struct:
		c.object(path, t, s)
		return
	default:
		c.fail(path, "no JSON type known for Go %s", t)
		return
	}
	if !slices.Contains(s.types(), want) {
		c.fail(path, "%s in Go (%s), type %v in the schema", want, t, s.Type)
	}
}

// TestContractMatchesOpenAPI holds every contract type to its schema, field by
// field both ways: a field added to one and not the other fails here.
func TestContractMatchesOpenAPI(t *testing.T) {
	d := loadDoc(t)
	for _, ct := range contractTypes {
		typ := reflect.TypeOf(ct.v)
		s, ok := d.Components.Schemas[typ.Name()]
		if !ok {
			t.Errorf("contract.%s has no schema of its name in %s", typ.Name(), openAPIPath)
			continue
		}
		c := &checker{t: t, d: d, request: ct.request}
		c.object(typ.Name(), typ, s)
		for _, e := range c.errs {
			t.Errorf("contract.%s", e)
		}
	}
}

// TestPayloadsMatchOpenAPI holds each event type's payload struct (model) to the
// schema named after it, and AuditEvent.payload to the list of them.
func TestPayloadsMatchOpenAPI(t *testing.T) {
	var payloads []any
	for _, et := range model.EventTypes {
		p, err := model.DecodePayload(et, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := reflect.TypeOf(p).Name(), string(et)+"Payload"; got != want {
			t.Errorf("%s's payload is a model.%s, want model.%s", et, got, want)
		}
		payloads = append(payloads, p)
	}
	checkUnion(t, loadDoc(t), "AuditEvent", "payload", payloads)
}

// checkUnion holds each of model's structs in shapes to the schema of its name,
// and property prop of schema parent to one of them, in that order.
func checkUnion(t *testing.T, d doc, parent, prop string, shapes []any) {
	t.Helper()
	c := &checker{t: t, d: d}
	var want []string
	for _, v := range shapes {
		name := reflect.TypeOf(v).Name()
		want = append(want, "#/components/schemas/"+name)
		s, ok := d.Components.Schemas[name]
		if !ok {
			t.Errorf("model.%s has no schema of its name", name)
			continue
		}
		c.object(name, reflect.TypeOf(v), s)
	}
	for _, e := range c.errs {
		t.Errorf("model.%s", e)
	}
	var got []string
	for _, s := range d.Components.Schemas[parent].Properties[prop].OneOf {
		got = append(got, s.Ref)
	}
	if !slices.Equal(got, want) {
		t.Errorf("%s.%s is one of\n%v\nwant:\n%v", parent, prop, got, want)
	}
}

// TestOpenAPIEnumsMatchModel: the lists of types in the document are model's.
func TestOpenAPIEnumsMatchModel(t *testing.T) {
	d := loadDoc(t)
	enum := func(name string) []string {
		var out []string
		for _, v := range d.Components.Schemas[name].Enum {
			out = append(out, v.(string))
		}
		return out
	}
	strs := func(vs ...string) []string { return vs }
	var keyTypes, eventTypes, accountTypes, hookEvents []string
	for _, e := range model.WebhookEvents {
		hookEvents = append(hookEvents, string(e))
	}
	hookEvents = append(hookEvents, string(model.HookPing))
	for _, k := range model.KeyTypes {
		keyTypes = append(keyTypes, string(k))
	}
	for _, e := range model.EventTypes {
		eventTypes = append(eventTypes, string(e))
	}
	for _, a := range model.AccountTypes {
		accountTypes = append(accountTypes, string(a))
	}
	for name, want := range map[string][]string{"KeyType": keyTypes, "EventType": eventTypes, "AccountType": accountTypes, "WebhookEvent": hookEvents} {
		if got := enum(name); !slices.Equal(got, want) {
			t.Errorf("%s enum %v, model has %v", name, got, want)
		}
	}
	var sources []string
	for _, v := range d.Components.Schemas["AuditEvent"].Properties["source"].Enum {
		sources = append(sources, v.(string))
	}
	if want := strs(string(model.SourceTUI), string(model.SourceSSH), string(model.SourceCLI), string(model.SourceAPI)); !slices.Equal(sources, want) {
		t.Errorf("source enum %v, model has %v", sources, want)
	}
}

// TestEverySchemaHasAType: the other way round, a schema added to the document
// without a Go type (or a contract type added without a schema) fails.
func TestEverySchemaHasAType(t *testing.T) {
	d := loadDoc(t)
	covered := map[string]bool{}
	for _, ct := range contractTypes {
		covered[reflect.TypeOf(ct.v).Name()] = true
	}
	for _, et := range model.EventTypes {
		covered[string(et)+"Payload"] = true
	}
	for _, h := range hookData {
		covered[reflect.TypeOf(h).Name()] = true
	}
	// Schemas that payloads and keys refer to, checked through them.
	for _, n := range []string{"KeyChanges", "StringChange", "TimeChange", "WebhookMessage", "HookPerson",
		"AllowListRef", "AllowListChanges", "StringListChange", "AllowListRefsChange"} {
		covered[n] = true
	}
	for name := range d.Components.Schemas {
		if !covered[name] && !notStructs[name] {
			t.Errorf("schema %s is checked against no Go type: add it to contractTypes", name)
		}
	}
	// Every exported struct of package contract is in contractTypes, and every
	// one of model's webhook payload structs in hookData.
	files, _ := filepath.Glob("*.go")
	for _, name := range exportedStructs(t, files...) {
		if !covered[name] && !inlineOnly[name] {
			t.Errorf("contract.%s is in no test: add it to contractTypes with its schema", name)
		}
	}
	for _, name := range exportedStructs(t, "../model/webhook_payload.go") {
		if !covered[name] {
			t.Errorf("model.%s is in no test: add it to hookData with its schema", name)
		}
	}
}

// exportedStructs names the exported struct types declared in files (tests left out).
func exportedStructs(t *testing.T, files ...string) []string {
	t.Helper()
	var out []string
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range file.Decls {
			g, ok := decl.(*ast.GenDecl)
			if !ok || g.Tok != token.TYPE {
				continue
			}
			for _, sp := range g.Specs {
				ts := sp.(*ast.TypeSpec)
				if _, isStruct := ts.Type.(*ast.StructType); isStruct && ts.Name.IsExported() {
					out = append(out, ts.Name.Name)
				}
			}
		}
	}
	return out
}

// TestWebhookMessagesMatchOpenAPI holds what receivers get to the document: the
// envelope, each data struct, and one webhook per event type, each posting the
// envelope.
func TestWebhookMessagesMatchOpenAPI(t *testing.T) {
	d := loadDoc(t)
	c := &checker{t: t, d: d}
	c.object("WebhookMessage", reflect.TypeFor[model.WebhookMessage](), d.Components.Schemas["WebhookMessage"])
	for _, e := range c.errs {
		t.Errorf("model.%s", e)
	}
	checkUnion(t, d, "WebhookMessage", "data", hookData)

	events := []string{string(model.HookPing)}
	for _, e := range model.WebhookEvents {
		events = append(events, string(e))
	}
	for _, e := range events {
		wh, ok := d.Webhooks[e]
		if !ok {
			t.Errorf("webhooks: no %s", e)
			continue
		}
		if ref := wh.Post.RequestBody.Content["application/json"].Schema.Ref; ref != "#/components/schemas/WebhookMessage" {
			t.Errorf("webhooks.%s posts %q, want the WebhookMessage envelope", e, ref)
		}
	}
	for e := range d.Webhooks {
		if !slices.Contains(events, e) {
			t.Errorf("webhooks.%s is no event of model.WebhookEvents", e)
		}
	}
}
