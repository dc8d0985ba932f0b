package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/model"
)

// eventsSpan is how far back the generated events go: inside the API's 180-day
// look-back, so that one query can reach all of them.
const eventsSpan = 179 * 24 * time.Hour

// fillEvents appends n audit events spread evenly over the eventsSpan before now,
// in batches, each batch one Update transaction (one fsync). About one event in
// a thousand is a UserDeactivated, for the filtered-page measurement. Payloads
// are typed and encoded as the backend writes them, so a page reads what a
// store this version wrote holds.
func fillEvents(ctx context.Context, st store.Store, now time.Time, n int, progress func(done int)) error {
	const batch = 50_000
	step := eventsSpan / time.Duration(n)
	oldest := now.Add(-eventsSpan)
	actor := model.Actor{Type: model.ActorMember, ID: "mem_loadgenOwner0001", Name: "Olive Owner", Email: "olive@example.com"}
	user := model.UserRef{UserID: "mem_loadgenMember001", UserName: "Mel Member", UserEmail: "mel@example.com"}
	for lo := 0; lo < n; lo += batch {
		hi := min(lo+batch, n)
		err := st.Update(ctx, func(tx store.Tx) error {
			for i := lo; i < hi; i++ {
				at := oldest.Add(time.Duration(i) * step).Truncate(time.Microsecond)
				typ, payload, err := model.EncodePayload(samplePayload(i, at, user))
				if err != nil {
					return err
				}
				if err := tx.AppendEvent(ctx, model.AuditEvent{
					ID:   fmt.Sprintf("evt_%016x%08x", at.UnixMicro(), i),
					Type: typ, EventTimestamp: at, IngestionTimestamp: at,
					Actor: actor, Source: model.SourceTUI, Payload: payload,
				}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		progress(hi)
	}
	return nil
}

// samplePayload is the i-th generated event's payload: key events mostly, an
// SSH sign-in now and then, a deactivation one time in a thousand.
func samplePayload(i int, at time.Time, user model.UserRef) model.Payload {
	key := model.KeyRef{KeyID: fmt.Sprintf("key_%016d", i), Name: fmt.Sprintf("Nightly import %d", i%97), Type: model.KeyImport}
	expires := at.Add(90 * 24 * time.Hour).Truncate(time.Second)
	if i%1000 == 999 {
		return model.UserDeactivatedPayload{UserRef: user}
	}
	switch i % 5 {
	case 0:
		return model.ApiKeyCreatedPayload{KeyRef: key, Hint: "apk_imp_Ab3x…9fQz", ExpiresAt: expires}
	case 1:
		return model.ApiKeyUpdatedPayload{KeyRef: key, Changes: model.KeyChanges{Name: &model.Change[string]{Old: "Nightly import", New: key.Name}}}
	case 2:
		return model.ApiKeyRotatedPayload{KeyRef: key, NewKeyID: fmt.Sprintf("key_%016d", i+1), NewHint: "apk_imp_Zz9y…1aBc",
			NewExpiresAt: expires, GraceEndsAt: at.Add(24 * time.Hour).Truncate(time.Second)}
	case 3:
		return model.ApiKeyDeletedPayload{KeyRef: key, Hint: "apk_imp_Ab3x…9fQz", ExpiresAt: expires}
	}
	return model.SshSessionStartedPayload{UserRef: user, Fingerprint: "SHA256:mVPwvq3Nw1Q0rDbOTp5hHr4HFFTYsAmWvbKvUYH2x5s", RemoteAddress: "192.0.2.10:53122"}
}

// pageCase is one kind of Audit Logs API request measured.
type pageCase struct {
	name  string
	query string
	// follow, when set, measures consecutive pages: each request uses the token of
	// the one before (as a SIEM catching up does).
	follow bool
}

// pageStats is the latency of one case through the real server.
type pageStats struct {
	name     string
	events   int // on the first page
	bytes    int
	p50, p99 time.Duration
	max      time.Duration
}

// measurePages fetches each case `samples` times (after a warm-up) and reports
// latency as the client sees it: request, query, JSON encoding, transfer, decode.
func measurePages(ctx context.Context, base, secret string, cases []pageCase, samples int) ([]pageStats, error) {
	client := &http.Client{Timeout: time.Minute}
	get := func(query string) (int, int, string, time.Duration, error) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/audit-logs/events?"+query, nil)
		req.Header.Set("Authorization", "Bearer "+secret)
		t0 := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			return 0, 0, "", 0, err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return 0, 0, "", 0, err
		}
		var page struct {
			Events        []json.RawMessage `json:"events"`
			NextPageToken string            `json:"nextPageToken"`
		}
		if err := json.Unmarshal(body, &page); err != nil || resp.StatusCode != 200 {
			return 0, 0, "", 0, fmt.Errorf("%s: status %d: %.300s", query, resp.StatusCode, body)
		}
		return len(page.Events), len(body), page.NextPageToken, time.Since(t0), nil
	}

	var out []pageStats
	for _, c := range cases {
		st := pageStats{name: c.name}
		for range 3 { // warm the page cache and the connection
			if _, _, _, _, err := get(c.query); err != nil {
				return nil, err
			}
		}
		lat := make([]time.Duration, 0, samples)
		query := c.query
		for i := range samples {
			n, size, next, d, err := get(query)
			if err != nil {
				return nil, err
			}
			if i == 0 {
				st.events, st.bytes = n, size
			}
			lat = append(lat, d)
			if c.follow {
				if next == "" {
					break
				}
				query = c.query + "&pageToken=" + url.QueryEscape(next)
			}
		}
		slices.Sort(lat)
		st.p50 = lat[(len(lat)-1)/2]
		st.p99 = lat[(len(lat)-1)*99/100]
		st.max = lat[len(lat)-1]
		out = append(out, st)
	}
	return out, nil
}
