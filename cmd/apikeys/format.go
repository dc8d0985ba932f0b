package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/apikeys-dev/apikeys/model"
)

// The JSON shapes below are the CLI's contract with scripts: camelCase names that
// don't change, every field always present (null when absent), times in RFC 3339
// UTC. They are built here rather than taken from model's tags so that a change in
// the domain types can't silently change what scripts read.

type keyJSON struct {
	ID           string     `json:"id"`
	Name         string     `json:"name"`
	Type         string     `json:"type"`
	Hint         string     `json:"hint"`
	State        string     `json:"state"` // active, replaced, expired, revoked
	CreatedAt    time.Time  `json:"createdAt"`
	CreatedBy    memberRef  `json:"createdBy"`
	ExpiresAt    time.Time  `json:"expiresAt"`    // the instant it stops working
	ValidThrough string     `json:"validThrough"` // its last valid day, YYYY-MM-DD, workspace zone
	LastUsedAt   *time.Time `json:"lastUsedAt"`
	LastUsedAddr *string    `json:"lastUsedAddr"`
	RotatedFrom  *string    `json:"rotatedFrom"`
	ReplacedBy   *string    `json:"replacedBy"`
	DeletedAt    *time.Time `json:"deletedAt"`
	Version      int64      `json:"version"`
}

type memberRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

func toKeyJSON(k model.Key, p model.ExpiryPolicy, now time.Time) keyJSON {
	return keyJSON{
		ID: k.ID, Name: k.Name, Type: string(k.Type), Hint: k.Hint,
		State:        k.State(now).String(),
		CreatedAt:    k.CreatedAt.UTC(),
		CreatedBy:    memberRef{ID: k.CreatedBy, Name: k.CreatedByName},
		ExpiresAt:    k.ExpiresAt.UTC(),
		ValidThrough: p.ValidThrough(k.ExpiresAt).String(),
		LastUsedAt:   utcPtr(k.LastUsedAt),
		LastUsedAddr: strPtr(k.LastUsedAddr),
		RotatedFrom:  strPtr(k.RotatedFrom),
		ReplacedBy:   strPtr(k.ReplacedBy),
		DeletedAt:    utcPtr(k.DeletedAt),
		Version:      k.Version,
	}
}

func keysJSON(ks []model.Key, p model.ExpiryPolicy, now time.Time) []keyJSON {
	out := make([]keyJSON, 0, len(ks)) // [] rather than null for no keys
	for _, k := range ks {
		out = append(out, toKeyJSON(k, p, now))
	}
	return out
}

type memberJSON struct {
	ID          string       `json:"id"`
	Name        string       `json:"name"`
	Email       string       `json:"email"`
	AccountType string       `json:"accountType"`
	Status      string       `json:"status"`
	SSHKeys     []sshKeyJSON `json:"sshKeys"`
	CreatedAt   time.Time    `json:"createdAt"`
	UpdatedAt   time.Time    `json:"updatedAt"`
	Version     int64        `json:"version"`
}

type sshKeyJSON struct {
	Fingerprint string    `json:"fingerprint"`
	PublicKey   string    `json:"publicKey"`
	Comment     string    `json:"comment"`
	AddedAt     time.Time `json:"addedAt"`
}

func toMemberJSON(m model.Member) memberJSON {
	out := memberJSON{
		ID: m.ID, Name: m.Name, Email: m.Email, AccountType: string(m.AccountType),
		Status: string(m.Status), SSHKeys: []sshKeyJSON{},
		CreatedAt: m.CreatedAt.UTC(), UpdatedAt: m.UpdatedAt.UTC(), Version: m.Version,
	}
	for _, k := range m.SSHKeys {
		out.SSHKeys = append(out.SSHKeys, sshKeyJSON{
			Fingerprint: k.Fingerprint, PublicKey: k.PublicKey, Comment: k.Comment, AddedAt: k.AddedAt.UTC(),
		})
	}
	return out
}

// eventJSON is SPEC §3's event shape, the same the Audit Logs API serves.
type eventJSON struct {
	EventID            string          `json:"eventId"`
	EventType          string          `json:"eventType"`
	EventTimestamp     time.Time       `json:"eventTimestamp"`
	IngestionTimestamp time.Time       `json:"ingestionTimestamp"`
	Actor              actorJSON       `json:"actor"`
	Source             string          `json:"source"`
	Payload            json.RawMessage `json:"payload"`
}

type actorJSON struct {
	Type  string `json:"type"`
	ID    string `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email,omitempty"`
}

func toEventJSON(e model.AuditEvent) eventJSON {
	p := e.Payload
	if len(p) == 0 {
		p = json.RawMessage("{}")
	}
	return eventJSON{
		EventID: e.ID, EventType: string(e.Type),
		EventTimestamp: e.EventTimestamp.UTC(), IngestionTimestamp: e.IngestionTimestamp.UTC(),
		Actor:  actorJSON{Type: string(e.Actor.Type), ID: e.Actor.ID, Name: e.Actor.Name, Email: e.Actor.Email},
		Source: string(e.Source), Payload: p,
	}
}

// writeJSON prints v as indented JSON. Text from the store is data here, so it is
// not altered — but characters that would act on a terminal rather than print
// (bidi overrides, DEL, other invisibles) are written as \u escapes, which decode to
// the very same string.
func writeJSON(w io.Writer, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(escapeUnprintable(buf.Bytes()))
	return err
}

// escapeUnprintable rewrites, inside encoded JSON, every rune that isn't printable
// as a \u escape. encoding/json already escapes C0 controls and replaces invalid
// UTF-8; outside strings encoded JSON is plain ASCII, so no structure is touched.
func escapeUnprintable(b []byte) []byte {
	var out []byte
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == 0x7f || (r >= 0x80 && !unicode.IsPrint(r)) {
			if out == nil {
				out = append(make([]byte, 0, len(b)+16), b[:i]...)
			}
			if r1, r2 := utf16.EncodeRune(r); r1 != unicode.ReplacementChar {
				out = fmt.Appendf(out, `\u%04x\u%04x`, r1, r2)
			} else {
				out = fmt.Appendf(out, `\u%04x`, r)
			}
		} else if out != nil {
			out = append(out, b[i:i+size]...)
		}
		i += size
	}
	if out == nil {
		return b
	}
	return out
}

// table prints aligned columns. Every cell goes through model.Sanitize: a name that
// slipped past validation still can't move the cursor or reorder the line.
type table struct{ tw *tabwriter.Writer }

func newTable(w io.Writer, headers ...string) *table {
	t := &table{tw: tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)}
	t.row(headers...)
	return t
}

func (t *table) row(cells ...string) {
	for i, c := range cells {
		if i > 0 {
			fmt.Fprint(t.tw, "\t")
		}
		fmt.Fprint(t.tw, model.Sanitize(c))
	}
	fmt.Fprint(t.tw, "\n")
}

func (t *table) flush() error { return t.tw.Flush() }

// expiryText is a key's Expires column: "valid through 30 Jun 2027",
// "valid through 3 Jul 2026 (expires in 5 days)", "replaced, expires in 23h",
// "expired (valid through 2 Jun 2026)", "deleted".
func expiryText(k model.Key, p model.ExpiryPolicy, now time.Time) string {
	through := p.ValidThrough(k.ExpiresAt).Human()
	switch k.State(now) {
	case model.KeyRevoked:
		return "deleted"
	case model.KeyExpired:
		if k.ReplacedBy != "" {
			return "replaced, expired"
		}
		return "expired (valid through " + through + ")"
	case model.KeyReplaced:
		return "replaced, expires in " + span(k.ExpiresAt.Sub(now))
	}
	if left := k.ExpiresAt.Sub(now); left < 24*time.Hour {
		return "valid through " + through + " (expires in " + span(left) + ")"
	} else if days, soon := p.CountDown(k, now); soon {
		return fmt.Sprintf("valid through %s (expires in %d days)", through, days)
	}
	return "valid through " + through
}

// lastUsedText is "never", "just now", "5m ago", "2h ago", "3 days ago".
func lastUsedText(k model.Key, now time.Time) string {
	if k.LastUsedAt == nil {
		return "never"
	}
	d := now.Sub(*k.LastUsedAt)
	if d < time.Minute {
		return "just now"
	}
	return span(d) + " ago"
}

// span is a coarse duration for people: "45m", "23h", "3 days".
func span(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "under a minute"
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d/time.Hour))
	}
	return fmt.Sprintf("%d days", int(d/(24*time.Hour)))
}

// when is an instant in the workspace zone: "25 Jun 2026 14:05 UTC".
func when(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("2 Jan 2006 15:04 MST")
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
