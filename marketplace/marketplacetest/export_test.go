package marketplacetest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"
)

// TestLargeExportStreams exports 100,000 licenses and counts them with a
// token-streaming decoder, as a client that never holds the whole body
// would.
func TestLargeExportStreams(t *testing.T) {
	// Few transactions: they cost generation time and play no part here.
	s, _ := newTestServer(t, Options{Apps: 10, Licenses: 100_000, Transactions: 10_000})
	var want int64
	for _, n := range s.Data().LicenseCounts(testToday) {
		want += n
	}
	if want < 90_000 || want > 110_000 {
		t.Errorf("%d licenses served, want about 100000", want)
	}
	var txns int
	for _, tx := range s.Data().Transactions {
		if !tx.SaleDate.After(testToday) {
			txns++
		}
	}
	if txns < 8_000 || txns > 12_000 {
		t.Errorf("%d transactions served, want about 10000", txns)
	}
	req, _ := http.NewRequest("GET", s.URL+v2(s)+"/licenses/export?accept=json", nil)
	req.SetBasicAuth(DefaultUser, DefaultToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.ContentLength != -1 {
		t.Errorf("Content-Length %d: the export was not streamed", resp.ContentLength)
	}
	dec := json.NewDecoder(resp.Body)
	if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
		t.Fatalf("export starts with %v, %v", tok, err)
	}
	// Rows stay raw: unmarshalling each into a struct would double the
	// test's time for no extra check, since other tests read the fields.
	var rows int64
	var row json.RawMessage
	for dec.More() {
		if err := dec.Decode(&row); err != nil {
			t.Fatalf("row %d: %v", rows, err)
		}
		if !bytes.HasPrefix(row, []byte(`{"addonLicenseId":`)) {
			t.Fatalf("row %d is not a license: %.80s", rows, row)
		}
		rows++
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim(']') {
		t.Fatalf("export ends with %v, %v", tok, err)
	}
	if rows != want {
		t.Errorf("export has %d rows, LicenseCounts %d", rows, want)
	}
}
