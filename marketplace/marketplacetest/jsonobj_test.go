package marketplacetest

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
)

// marshal encodes v as the simulator's other bodies are encoded.
func marshal(t *testing.T, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := newEncoder(&buf).Encode(v); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

func TestObjectMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{
		"", "plain", `quote " and \ backslash`, "tab\tnew\nline\rcr\bbs\fff", "\x00\x01\x1f\x7f",
		"Müller & <Söhne>", "line\u2028para\u2029", "bad \xff utf8 \xc3", "emoji 🙂",
	} {
		if got, want := appendString(nil, s), marshal(t, s); !bytes.Equal(got, want) {
			t.Errorf("appendString(%q) = %s, encoding/json %s", s, got, want)
		}
	}
	for _, f := range []float64{0, math.Copysign(0, -1), 1, -3391.5, 12.34, 1e-7, 1.5e-9, 1e20, 1e21, 123456789.01} {
		if got, want := appendFloat(nil, f), marshal(t, f); !bytes.Equal(got, want) {
			t.Errorf("appendFloat(%v) = %s, encoding/json %s", f, got, want)
		}
	}
	o := beginObject(nil)
	o.str("a", "x")
	o.opt("skipped", "")
	o.num("n", 2.5)
	o.strs("list", []string{"p", "q"})
	o.strs("empty", nil)
	o.nested("in", func(o *object) { o.raw("null", "null") })
	want := marshal(t, map[string]any{"a": "x", "n": 2.5, "list": []string{"p", "q"}, "in": map[string]any{"null": nil}})
	var x, y any
	json.Unmarshal(o.end(), &x)
	json.Unmarshal(want, &y)
	if got := marshal(t, x); !bytes.Equal(got, marshal(t, y)) {
		t.Errorf("object = %s, want %s", got, want)
	}
}
