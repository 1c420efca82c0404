package marketplacetest

import (
	"encoding/binary"
	"encoding/hex"
	"math"
	"math/rand/v2"
)

// Purposes keep the random streams of unrelated things apart: two streams
// with the same key parts but different purposes are independent.
const (
	purposeDeveloper uint64 = iota + 1
	purposeApp
	purposeDay
	purposeLicense
	purposeFeedback
	purposeMonth
	purposeUUID
	purposeLineItem
	purposeShape
	purposeBurst
)

// mix is the splitmix64 finaliser: a cheap bijection whose output bits all
// depend on every input bit.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// streamKey hashes the seed, a purpose and key parts into one value.
func streamKey(seed int64, purpose uint64, parts ...uint64) uint64 {
	h := mix(uint64(seed) ^ mix(purpose))
	for _, p := range parts {
		h = mix(h ^ p)
	}
	return h
}

// newRand returns a random stream determined only by its arguments. Every
// piece of synthetic data draws from a stream keyed by what it belongs to
// (an app, a day, a license), never from a shared sequence, so that adding
// or removing one piece cannot shift the values of another.
func newRand(seed int64, purpose uint64, parts ...uint64) *rand.Rand {
	k := streamKey(seed, purpose, parts...)
	return rand.New(rand.NewPCG(k, mix(k)))
}

// uuid returns a version-4-shaped UUID determined by its arguments.
func uuid(seed int64, purpose uint64, parts ...uint64) string {
	hi := streamKey(seed, purposeUUID, purpose)
	for _, p := range parts {
		hi = mix(hi ^ p)
	}
	lo := mix(hi)
	hi = hi&^0xf000 | 0x4000     // version 4
	lo = lo&^(0xc<<60) | 0x8<<60 // RFC 4122 variant
	var raw [16]byte
	binary.BigEndian.PutUint64(raw[:8], hi)
	binary.BigEndian.PutUint64(raw[8:], lo)
	var b [36]byte
	hex.Encode(b[0:8], raw[0:4])
	hex.Encode(b[9:13], raw[4:6])
	hex.Encode(b[14:18], raw[6:8])
	hex.Encode(b[19:23], raw[8:10])
	hex.Encode(b[24:], raw[10:])
	b[8], b[13], b[18], b[23] = '-', '-', '-', '-'
	return string(b[:])
}

// entitlementNumber formats id as an E-number (E-XXX-XXX-XXX-XXX). The id is
// scrambled first by a bijection, so distinct ids give distinct numbers that
// do not look sequential.
func entitlementNumber(id uint64) string {
	const digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	b := []byte("E-000-000-000-000")
	x := mix(id) % (1 << 62) // 36^12 > 2^62: twelve digits always suffice
	for i := len(b) - 1; i > 1 && x > 0; i-- {
		if b[i] == '-' {
			continue
		}
		b[i] = digits[x%36]
		x /= 36
	}
	return string(b)
}

// poisson draws from a Poisson distribution with mean lambda: Knuth's method
// for small means, a rounded normal approximation for large ones.
func poisson(r *rand.Rand, lambda float64) int {
	if lambda <= 0 {
		return 0
	}
	if lambda > 30 {
		n := math.Round(lambda + math.Sqrt(lambda)*r.NormFloat64())
		return int(math.Max(0, n))
	}
	limit, p, n := math.Exp(-lambda), 1.0, 0
	for {
		p *= r.Float64()
		if p <= limit {
			return n
		}
		n++
	}
}

// weighted is a value with a relative weight, for pick.
type weighted[T any] struct {
	v T
	w float64
}

// pick draws one value with probability proportional to its weight.
func pick[T any](r *rand.Rand, choices []weighted[T]) T {
	var total float64
	for _, c := range choices {
		total += c.w
	}
	x := r.Float64() * total
	for _, c := range choices {
		if x < c.w {
			return c.v
		}
		x -= c.w
	}
	return choices[len(choices)-1].v
}

// one returns a uniformly chosen element of s.
func one[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

// chance reports true with probability p.
func chance(r *rand.Rand, p float64) bool { return r.Float64() < p }
