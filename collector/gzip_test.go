package collector

import (
	"bytes"
	"compress/flate"
	"hash/crc32"
	"math/rand/v2"
	"testing"
)

func TestCRC32Combine(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	data := make([]byte, 200_000)
	for i := range data {
		data[i] = byte(r.IntN(256))
	}
	for _, cut := range []int{0, 1, 7, 8, 1000, 65536, 199_999, 200_000} {
		a, b := data[:cut], data[cut:]
		got := crc32Combine(crc32.ChecksumIEEE(a), crc32.ChecksumIEEE(b), int64(len(b)))
		if want := crc32.ChecksumIEEE(data); got != want {
			t.Errorf("cut at %d: combined %08x, want %08x", cut, got, want)
		}
	}
}

// TestSplicedGzip splices pieces compressed at different levels and stored ones, empty ones
// included, and reads the result back as a single gzip member.
func TestSplicedGzip(t *testing.T) {
	pieces := [][]byte{
		[]byte("# HELP a A.\n# TYPE a gauge\na 1\n"),
		nil,
		bytes.Repeat([]byte("atlassian_marketplace_licenses{addon_key=\"x\"} 12\n"), 5000),
		[]byte("b 2\n"),
		{},
		[]byte("# EOF\n"),
	}
	var buf bytes.Buffer
	g := newSplicedGzip(&buf)
	for i, p := range pieces {
		if i%3 == 2 {
			g.stored(p)
			continue
		}
		level := flate.BestSpeed
		if i%3 == 0 {
			level = flate.BestCompression
		}
		fw, err := flate.NewWriter(nil, level)
		if err != nil {
			t.Fatal(err)
		}
		g.chunk(compressChunk(fw, p))
	}
	// A stored piece longer than one stored block.
	long := bytes.Repeat([]byte("0123456789abcdef"), 9000)
	g.stored(long)
	pieces = append(pieces, long)
	if err := g.close(); err != nil {
		t.Fatal(err)
	}
	if got, want := gunzipOneMember(t, buf.Bytes()), bytes.Join(pieces, nil); !bytes.Equal(got, want) {
		t.Fatalf("decompressed %d bytes, want %d", len(got), len(want))
	}

	var empty bytes.Buffer
	if err := newSplicedGzip(&empty).close(); err != nil {
		t.Fatal(err)
	}
	if got := gunzipOneMember(t, empty.Bytes()); len(got) != 0 {
		t.Fatalf("empty stream decompressed to %q", got)
	}
}
