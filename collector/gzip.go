package collector

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"hash/crc32"
	"io"
)

// A gzip response spliced from pieces made at different times: the cached part of /metrics is
// compressed once per snapshot, the live self-metrics are added on every scrape as stored
// blocks, and the response is one ordinary gzip member (RFC 1952) that any client reads, curl and browsers
// included, which a concatenation of separate gzip members would not guarantee.
//
// Each piece is a raw deflate stream compressed on its own (so it refers to nothing before
// it) and ended by a sync flush (so it stops on a byte boundary with a block that is not the
// last). Such pieces can follow each other in any order; a final empty block closes the
// stream. The gzip trailer needs the CRC-32 of all the uncompressed bytes, which is
// combined from the pieces' own CRCs without reading the bytes again.

// deflateChunk is one spliceable piece: its compressed bytes, and the CRC-32 and length of
// what they decompress to.
type deflateChunk struct {
	data []byte
	crc  uint32
	size int
}

// compressChunk compresses p into a spliceable piece with fw, which it resets.
func compressChunk(fw *flate.Writer, p []byte) deflateChunk {
	var buf bytes.Buffer
	fw.Reset(&buf)
	// Writes to a bytes.Buffer cannot fail.
	_, _ = fw.Write(p)
	_ = fw.Flush()
	return deflateChunk{data: buf.Bytes(), crc: crc32.ChecksumIEEE(p), size: len(p)}
}

// gzipHeader is what compress/gzip writes for a member without name, comment or time.
var gzipHeader = []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255}

// finalBlock is an empty deflate block with BFINAL set (fixed Huffman codes, end of block).
var finalBlock = []byte{0x03, 0x00}

// splicedGzip writes one gzip member made of deflate chunks.
type splicedGzip struct {
	w    io.Writer
	crc  uint32
	size uint32 // modulo 2^32, as the trailer stores it
	err  error
}

func newSplicedGzip(w io.Writer) *splicedGzip {
	g := &splicedGzip{w: w}
	g.write(gzipHeader)
	return g
}

func (g *splicedGzip) write(p []byte) {
	if g.err == nil {
		_, g.err = g.w.Write(p)
	}
}

// chunk appends one piece.
func (g *splicedGzip) chunk(c deflateChunk) {
	if c.size == 0 {
		return
	}
	g.write(c.data)
	g.crc = crc32Combine(g.crc, c.crc, int64(c.size))
	g.size += uint32(c.size)
}

// stored appends p as stored deflate blocks, uncompressed. The live part of a page is a few
// kilobytes: compressing it on every scrape would cost more than the rest of the scrape.
func (g *splicedGzip) stored(p []byte) {
	for len(p) > 0 {
		n := min(len(p), 0xffff)
		// Byte-aligned after a chunk: BFINAL 0, BTYPE 00 (stored), then LEN and NLEN.
		header := [5]byte{0, byte(n), byte(n >> 8), ^byte(n), ^byte(n >> 8)}
		g.write(header[:])
		g.write(p[:n])
		g.crc = crc32.Update(g.crc, crc32.IEEETable, p[:n])
		g.size += uint32(n)
		p = p[n:]
	}
}

// close ends the deflate stream and writes the trailer. It returns the first write error.
func (g *splicedGzip) close() error {
	g.write(finalBlock)
	var trailer [8]byte
	binary.LittleEndian.PutUint32(trailer[:4], g.crc)
	binary.LittleEndian.PutUint32(trailer[4:], g.size)
	g.write(trailer[:])
	return g.err
}

// crc32Combine returns the CRC-32 (IEEE) of A followed by B from the CRC of A, the CRC of B
// and the length of B, as zlib's crc32_combine does: shifting crcA over len2 zero bytes is a
// multiplication by x^(8*len2) modulo the CRC polynomial.
func crc32Combine(crcA, crcB uint32, lenB int64) uint32 {
	return multModP(x2nModP(lenB, 3), crcA) ^ crcB
}

// crcPoly is the reflected IEEE polynomial.
const crcPoly = 0xedb88320

// multModP multiplies a and b modulo the CRC polynomial, in the reflected bit order of CRC-32.
func multModP(a, b uint32) uint32 {
	var p uint32
	for m := uint32(1) << 31; m != 0; m >>= 1 {
		if a&m != 0 {
			p ^= b
			if a&(m-1) == 0 {
				break
			}
		}
		if b&1 != 0 {
			b = b>>1 ^ crcPoly
		} else {
			b >>= 1
		}
	}
	return p
}

// x2nTable[k] is x^(2^k) modulo the CRC polynomial.
var x2nTable = func() (t [32]uint32) {
	p := uint32(1) << 30 // x^1
	for k := range t {
		t[k] = p
		p = multModP(p, p)
	}
	return t
}()

// x2nModP returns x^(n * 2^k) modulo the CRC polynomial.
func x2nModP(n int64, k uint) uint32 {
	p := uint32(1) << 31 // x^0
	for ; n != 0; n >>= 1 {
		if n&1 != 0 {
			p = multModP(x2nTable[k&31], p)
		}
		k++
	}
	return p
}
