package marketplacetest

import (
	"math"
	"strconv"
	"unicode/utf8"
)

// object appends one JSON object to a buffer. The rows of the lists and
// exports are written with it rather than with encoding/json: an export of
// 100,000 licenses spent most of its time in reflection. Its output matches
// encoding/json with HTML escaping off, byte for byte, which a test checks.
type object struct {
	b      []byte
	fields int
}

// beginObject starts an object at the end of b.
func beginObject(b []byte) object { return object{b: append(b, '{')} }

// end closes the object and returns the buffer.
func (o *object) end() []byte { return append(o.b, '}') }

func (o *object) key(k string) {
	if o.fields > 0 {
		o.b = append(o.b, ',')
	}
	o.fields++
	o.b = appendString(o.b, k)
	o.b = append(o.b, ':')
}

// str writes a string field.
func (o *object) str(k, v string) {
	o.key(k)
	o.b = appendString(o.b, v)
}

// opt writes a string field unless it is empty (omitempty).
func (o *object) opt(k, v string) {
	if v != "" {
		o.str(k, v)
	}
}

// num writes a float field as encoding/json formats float64.
func (o *object) num(k string, v float64) {
	o.key(k)
	o.b = appendFloat(o.b, v)
}

// strs writes a string array field unless it is empty (omitempty).
func (o *object) strs(k string, vs []string) {
	if len(vs) == 0 {
		return
	}
	o.key(k)
	o.b = append(o.b, '[')
	for i, v := range vs {
		if i > 0 {
			o.b = append(o.b, ',')
		}
		o.b = appendString(o.b, v)
	}
	o.b = append(o.b, ']')
}

// nested writes an object field whose members write adds.
func (o *object) nested(k string, write func(*object)) {
	o.key(k)
	inner := beginObject(o.b)
	write(&inner)
	o.b = inner.end()
}

// raw writes a field whose value is already JSON.
func (o *object) raw(k, v string) {
	o.key(k)
	o.b = append(o.b, v...)
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string, escaped as encoding/json does
// with HTML escaping off.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			// Valid JSON, but not valid JavaScript: encoding/json escapes them.
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendFloat appends f as encoding/json formats a float64: plain decimal,
// exponent form only for very small or very large magnitudes.
func appendFloat(b []byte, f float64) []byte {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// e-09 becomes e-9, as in encoding/json.
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}
