package store

import (
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"time"
)

// The usage journal (SPEC §12): the usage recorder appends each batch as one
// row, a compact binary blob, to a journal table (UsageJournal.AppendUsage),
// one sequential insert per batch; a compaction (CompactUsage) folds the rows
// into the keys' last uses, key addresses and key usage, sorted by key so
// each page is written once, and deletes exactly the rows it folded in the
// same transaction. EncodeUsage and DecodeUsage are the row's format, shared
// by every store; FoldUsage is what a compaction writes.

// usageJournalVersion is the first byte of every journal row.
const usageJournalVersion = 1

// EncodeUsage encodes a batch as a journal row: a version byte, the batch's
// KeepFrom, its days (each written once), its uses (key id, µs after the
// batch's earliest use, address) and its counts (key id, day's index,
// reason, n). Strings are length-prefixed, numbers varints.
func EncodeUsage(b UsageBatch) []byte {
	size := 16 + len(b.KeepFrom)
	for _, u := range b.Uses {
		size += 12 + len(u.ID) + len(u.Addr)
	}
	for _, c := range b.Counts {
		size += 8 + len(c.KeyID) + len(c.Reason)
	}
	out := make([]byte, 0, size)
	out = append(out, usageJournalVersion)
	out = appendString(out, b.KeepFrom)
	var days []string
	dayIndex := map[string]uint64{}
	for _, c := range b.Counts {
		if _, ok := dayIndex[c.Day]; !ok {
			dayIndex[c.Day] = uint64(len(days))
			days = append(days, c.Day)
		}
	}
	out = binary.AppendUvarint(out, uint64(len(days)))
	for _, d := range days {
		out = appendString(out, d)
	}
	var base int64
	for i, u := range b.Uses {
		if us := u.At.UnixMicro(); i == 0 || us < base {
			base = us
		}
	}
	out = binary.AppendUvarint(out, uint64(len(b.Uses)))
	if len(b.Uses) > 0 {
		out = binary.AppendVarint(out, base)
	}
	for _, u := range b.Uses {
		out = appendString(out, u.ID)
		out = binary.AppendUvarint(out, uint64(u.At.UnixMicro()-base))
		out = appendString(out, u.Addr)
	}
	out = binary.AppendUvarint(out, uint64(len(b.Counts)))
	for _, c := range b.Counts {
		out = appendString(out, c.KeyID)
		out = binary.AppendUvarint(out, dayIndex[c.Day])
		out = appendString(out, c.Reason)
		out = binary.AppendVarint(out, c.N)
	}
	return out
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// errJournalRow is a journal row DecodeUsage can't read.
var errJournalRow = errors.New("usage journal: a malformed row")

// DecodeUsage reads a row EncodeUsage wrote.
func DecodeUsage(row []byte) (UsageBatch, error) {
	d := decoder{b: row}
	var b UsageBatch
	if v := d.byte(); v != usageJournalVersion && d.err == nil {
		return b, fmt.Errorf("%w: version %d", errJournalRow, v)
	}
	b.KeepFrom = d.string()
	days := make([]string, d.count())
	for i := range days {
		days[i] = d.string()
	}
	if n := d.count(); n > 0 {
		b.Uses = make([]KeyUse, n)
		base := d.varint()
		for i := range b.Uses {
			u := &b.Uses[i]
			u.ID = d.string()
			u.At = time.UnixMicro(base + int64(d.uvarint())).UTC()
			u.Addr = d.string()
		}
	}
	if n := d.count(); n > 0 {
		b.Counts = make([]UsageCount, n)
		for i := range b.Counts {
			c := &b.Counts[i]
			c.KeyID = d.string()
			if day := d.uvarint(); day < uint64(len(days)) {
				c.Day = days[day]
			} else if d.err == nil {
				d.err = fmt.Errorf("%w: day %d of %d", errJournalRow, day, len(days))
			}
			c.Reason = d.string()
			c.N = d.varint()
		}
	}
	if d.err == nil && len(d.b) != 0 {
		d.err = fmt.Errorf("%w: %d bytes after the end", errJournalRow, len(d.b))
	}
	if d.err != nil {
		return UsageBatch{}, d.err
	}
	return b, nil
}

// decoder reads a row; the first error sticks and every later read is zero.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail() {
	if d.err == nil {
		d.err = fmt.Errorf("%w: cut short", errJournalRow)
	}
	d.b = nil
}

func (d *decoder) byte() byte {
	if len(d.b) == 0 {
		d.fail()
		return 0
	}
	v := d.b[0]
	d.b = d.b[1:]
	return v
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

// count reads a number of entries, each at least one byte: never more than
// the bytes left, so a bad row can't make a huge slice.
func (d *decoder) count() int {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.fail()
		return 0
	}
	return int(n)
}

func (d *decoder) string() string {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.fail()
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

// AddrUse is one key's uses from one address on one UTC day (AddressDay), as
// a compaction adds them to the key's addresses.
type AddrUse struct {
	KeyID, Addr string
	Day         int64
	First, Last time.Time
	Uses        int64
}

// UsageFold is what a compaction writes for many journal rows.
type UsageFold struct {
	// Uses are every use, by key id, then time: applied in that order with
	// TouchKey's once-a-minute rule, they set each key's last use as the
	// batches one by one would have.
	Uses []KeyUse
	// Addrs are the uses with an address, by key id, address and day.
	Addrs []AddrUse
	// Counts are summed per key, day and reason, by key id, day and reason.
	Counts []UsageCount
	// KeepFrom is the latest of the batches' (prunes the counts before it).
	KeepFrom string
	// Newest is the latest use (prunes the addresses older than the window).
	Newest time.Time
}

// FoldUsage folds batches into what one transaction writes, sorted by key id
// so that the writes walk each table's pages in order.
func FoldUsage(batches []UsageBatch) UsageFold {
	var f UsageFold
	type addrKey struct {
		id, addr string
		day      int64
	}
	addrs := map[addrKey]*AddrUse{}
	type countKey struct{ id, day, reason string }
	counts := map[countKey]int64{}
	for _, b := range batches {
		f.KeepFrom = max(f.KeepFrom, b.KeepFrom)
		for _, u := range b.Uses {
			if u.At.After(f.Newest) {
				f.Newest = u.At
			}
			f.Uses = append(f.Uses, u)
			if u.Addr == "" {
				continue
			}
			k := addrKey{u.ID, u.Addr, AddressDay(u.At)}
			if a := addrs[k]; a != nil {
				a.Uses++
				if u.At.Before(a.First) {
					a.First = u.At
				}
				if u.At.After(a.Last) {
					a.Last = u.At
				}
			} else {
				addrs[k] = &AddrUse{KeyID: u.ID, Addr: u.Addr, Day: k.day, First: u.At, Last: u.At, Uses: 1}
			}
		}
		for _, c := range b.Counts {
			counts[countKey{c.KeyID, c.Day, c.Reason}] += c.N
		}
	}
	slices.SortStableFunc(f.Uses, func(a, b KeyUse) int { return cmp.Or(cmp.Compare(a.ID, b.ID), a.At.Compare(b.At)) })
	f.Addrs = make([]AddrUse, 0, len(addrs))
	for _, a := range addrs {
		f.Addrs = append(f.Addrs, *a)
	}
	slices.SortFunc(f.Addrs, func(a, b AddrUse) int {
		return cmp.Or(cmp.Compare(a.KeyID, b.KeyID), cmp.Compare(a.Addr, b.Addr), cmp.Compare(a.Day, b.Day))
	})
	f.Counts = make([]UsageCount, 0, len(counts))
	for k, n := range counts {
		if n != 0 {
			f.Counts = append(f.Counts, UsageCount{KeyID: k.id, Day: k.day, Reason: k.reason, N: n})
		}
	}
	slices.SortFunc(f.Counts, func(a, b UsageCount) int {
		return cmp.Or(cmp.Compare(a.KeyID, b.KeyID), cmp.Compare(a.Day, b.Day), cmp.Compare(a.Reason, b.Reason))
	})
	return f
}

// JournalRow is a usage journal row as a compaction reads it back: its
// sequence number and what EncodeUsage wrote.
type JournalRow struct {
	Seq  int64
	Data []byte
}

// FoldJournal folds the rows one compaction read, oldest first (DELETE …
// RETURNING promises no order). A row that can't be read is left out and
// named in bad, the others folded all the same: the compaction deletes it
// with them, as kept it would stop every compaction after it.
//
// pace pauses between rows (decoding a busy minute's rows is a tenth of a
// second of CPU).
func FoldJournal(ctx context.Context, rows []JournalRow, pace Pacer) (f UsageFold, bad error) {
	slices.SortFunc(rows, func(a, b JournalRow) int { return cmp.Compare(a.Seq, b.Seq) })
	batches := make([]UsageBatch, 0, len(rows))
	for _, r := range rows {
		Pause(ctx, pace)
		b, err := DecodeUsage(r.Data)
		if err != nil {
			bad = errors.Join(bad, fmt.Errorf("row %d: %w", r.Seq, err))
			continue
		}
		batches = append(batches, b)
	}
	return FoldUsage(batches), bad
}

// UsageJournalRows is how many journal rows one compaction transaction folds
// at most, so a fold never holds the store's single writer for long: a
// minute of journal over 100,000 keys in use (about 600 rows) took 13.4 s in
// one transaction at a load of 22, time in which no key could be created or
// deleted; 100 rows (ten seconds of checks) is a sixth of that at most, and a
// journal that grew while nothing compacted is folded the same way, one
// bounded transaction after another.
const UsageJournalRows = 100
