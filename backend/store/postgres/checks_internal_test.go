package postgres

import (
	"encoding/binary"
	"math"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
)

// binaryTime reads every timestamptz as pgx's own decoder does (what Key and
// Keys scan), up to PostgreSQL's latest, 294276-12-31: there, microseconds
// since 2000 plus the epoch's overflowed an int64 and a key expiring then
// read as expired in the year -290278.
func TestBinaryTimeMatchesPgx(t *testing.T) {
	for _, us := range []int64{0, -1, 1, 1_000_000, -1_000_001, 9223371331199999999, -211813488000000000,
		math.MaxInt64 - pgEpoch, math.MaxInt64 - pgEpoch + 1, math.MaxInt64 - 1, math.MinInt64 + 1} {
		b := binary.BigEndian.AppendUint64(nil, uint64(us))
		checkBinaryTime(t, b)
	}
	for _, b := range [][]byte{nil, {}, {1, 2, 3}, make([]byte, 9),
		binary.BigEndian.AppendUint64(nil, math.MaxInt64), binary.BigEndian.AppendUint64(nil, 1<<63)} {
		if got, ok := binaryTime(b); ok {
			t.Errorf("%x: read as %v, want refused", b, got)
		}
	}
}

// FuzzBinaryTime: whatever 8 bytes the server sends, binaryTime reads the time
// pgx reads, or refuses what pgx can't read as a finite time.
func FuzzBinaryTime(f *testing.F) {
	for _, us := range []int64{0, -1, 9223371331199999999, math.MaxInt64, math.MinInt64, -211813488000000000} {
		f.Add(uint64(us))
	}
	f.Fuzz(func(t *testing.T, v uint64) {
		checkBinaryTime(t, binary.BigEndian.AppendUint64(nil, v))
	})
}

func checkBinaryTime(t *testing.T, b []byte) {
	t.Helper()
	got, ok := binaryTime(b)
	var want pgtype.Timestamptz
	err := pgtype.NewMap().Scan(pgtype.TimestamptzOID, pgtype.BinaryFormatCode, b, &want)
	if err != nil || want.InfinityModifier != pgtype.Finite {
		// Out of PostgreSQL's range, or ±infinity: never a time PostgreSQL
		// stores; either reading is safe, so long as it is a real time.
		if ok && got.Location() != time.UTC {
			t.Errorf("%x: read as %v, not in UTC", b, got)
		}
		return
	}
	if !ok || !got.Equal(want.Time) || got.Location() != time.UTC {
		t.Errorf("%x: read as %v (ok %v), pgx reads %v", b, got, ok, want.Time.UTC())
	}
}
