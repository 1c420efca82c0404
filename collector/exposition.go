package collector

import (
	"bytes"
	"compress/flate"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

// The /metrics handler. The snapshots only change when a refresh swaps one in, a few times an
// hour, yet promhttp would rebuild, re-encode and re-compress all of them on every scrape: at
// a hundred apps that is 20,000 series and two megabytes of text per scrape, hundreds of times
// the cost of sending the bytes (BENCHMARKS.md). So the page is assembled from parts:
//
//   - the Exporter's families (snapshots and refresh state), encoded once per snapshot swap
//     and format;
//   - its own counters (API requests, refresh failures), encoded once per change, which
//     happens only while a refresh runs;
//   - the live metrics (Go runtime, process, the handler's counters), gathered and encoded
//     on every scrape.
//
// The families of all parts are merged in name order, so that the page is byte for byte what
// promhttp would serve for the same state; with gzip, the cached runs are compressed once too
// and spliced with the live families, as stored blocks, into one gzip member (gzip.go).

// HandlerOpts configures Exporter.Handler.
type HandlerOpts struct {
	// Own, if set, is where Config.Registerer registered the Exporter's own counters, and
	// holds nothing else that changes (the build info, which never does, may go there too): it
	// is served from cache, encoded again only when the counters change. If nil, they must be
	// in Live.
	Own prometheus.Gatherer
	// Live, if set, holds the metrics that change on their own: Go runtime and process
	// collectors, the HTTP handler's own counters. It is gathered and encoded on every scrape.
	// Neither Own nor Live may hold the Exporter itself.
	Live prometheus.Gatherer
	// Registry, if set, receives promhttp_metric_handler_errors_total, as the promhttp
	// option of the same name does.
	Registry prometheus.Registerer
	// ErrorLog, if set, receives gathering and encoding errors, as promhttp's does.
	ErrorLog promhttp.Logger
}

// Handler serves the Exporter's families, opts.Own and opts.Live as promhttp.HandlerFor would
// serve all three with ContinueOnError and OpenMetrics enabled: the same bytes, content
// negotiation (text, OpenMetrics, protobuf, name escaping, gzip) and error counting. A
// collector that failed its refresh still serves its last good snapshot, so the page always
// answers, and no scrape ever calls the API.
func (e *Exporter) Handler(opts HandlerOpts) http.Handler {
	snapshots := prometheus.NewRegistry()
	snapshots.MustRegister(e)
	h := &expositionHandler{
		parts:  []*cachedPart{{gatherer: snapshots, generation: e.snapshots.Load}},
		live:   opts.Live,
		errLog: opts.ErrorLog,
	}
	all := prometheus.Gatherers{snapshots}
	if opts.Own != nil {
		h.parts = append(h.parts, &cachedPart{gatherer: opts.Own, generation: e.counters.Load})
		all = append(all, opts.Own)
	}
	if h.live != nil {
		all = append(all, h.live)
	}
	// promhttp registers promhttp_metric_handler_errors_total first; handlerErrors takes the
	// same counter back, so that both paths count into it.
	h.fallback = promhttp.HandlerFor(all, promhttp.HandlerOpts{
		ErrorLog:          opts.ErrorLog,
		ErrorHandling:     promhttp.ContinueOnError,
		Registry:          opts.Registry,
		EnableOpenMetrics: true,
	})
	h.errCnt = handlerErrors(opts.Registry)
	return h
}

// handlerErrors returns promhttp's error counter, the one registered with reg if any.
func handlerErrors(reg prometheus.Registerer) *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "promhttp_metric_handler_errors_total",
		Help: "Total number of internal errors encountered by the promhttp metric handler.",
	}, []string{"cause"})
	if reg != nil {
		if err := reg.Register(c); err != nil {
			if are, ok := err.(prometheus.AlreadyRegisteredError); ok {
				return are.ExistingCollector.(*prometheus.CounterVec)
			}
			panic(err)
		}
	}
	return c
}

type expositionHandler struct {
	parts    []*cachedPart
	live     prometheus.Gatherer
	errLog   promhttp.Logger
	errCnt   *prometheus.CounterVec
	fallback http.Handler // promhttp over every part, for what the cache does not cover
}

// cachedPart is a gatherer whose families change only when generation does.
type cachedPart struct {
	gatherer   prometheus.Gatherer
	generation func() uint64

	mu      sync.Mutex
	gen     uint64
	formats map[expfmt.Format]*encoding // built on first use per generation
}

// encoding is a cached part encoded in one format, as of one generation. Only its gzip
// layout changes once built.
type encoding struct {
	names      []string // family names, sorted, as Gather returns them
	ends       []int    // ends[i] is where family i ends in body
	body       []byte
	trailer    []byte // what the encoder writes on Close: "# EOF" for OpenMetrics
	gatherErr  error
	encodeErrs []error

	mu     sync.Mutex
	layout *gzipLayout // the last one asked for
}

// start returns where family i starts in body.
func (e *encoding) start(i int) int {
	if i == 0 {
		return 0
	}
	return e.ends[i-1]
}

// gzipLayout is an encoding compressed in runs of families, one per run the page needs.
type gzipLayout struct {
	runs   [][2]int // family index ranges, from inclusive, to exclusive
	chunks []deflateChunk
}

// piece is a run of consecutive families of one part on the page: family indexes of a cached
// part, or byte offsets in the live buffer when part is len(parts).
type piece struct {
	part     int
	from, to int
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// ServeHTTP implements http.Handler.
func (h *expositionHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL != nil && r.URL.Query().Has("name[]") {
		h.fallback.ServeHTTP(w, r) // a filtered page is for debugging, not worth a cache
		return
	}
	format := expfmt.NegotiateAccept(r.Header, expfmt.DefaultOpenMetricsAcceptedFormats()...)
	encs := make([]*encoding, len(h.parts))
	var errs prometheus.MultiError
	families := 0
	for i, p := range h.parts {
		encs[i] = p.encoding(format)
		errs.Append(encs[i].gatherErr)
		families += len(encs[i].names)
	}
	var live []*dto.MetricFamily
	if h.live != nil {
		var err error
		live, err = h.live.Gather()
		errs.Append(err)
	}
	if err := errs.MaybeUnwrap(); err != nil {
		h.logf("error gathering metrics:", err)
		h.errCnt.WithLabelValues("gathering").Inc()
		if families+len(live) == 0 {
			http.Error(w, "An error has occurred while serving metrics:\n\n"+err.Error(), http.StatusInternalServerError)
			return
		}
	}

	buf := bufPool.Get().(*bytes.Buffer)
	defer bufPool.Put(buf)
	buf.Reset()
	pieces, ok := h.assemble(buf, format, encs, live)
	if !ok {
		// One family in two parts: promhttp knows how to merge or reject that.
		h.fallback.ServeHTTP(w, r)
		return
	}
	for _, enc := range encs {
		for _, err := range enc.encodeErrs {
			h.encodeError(err)
		}
	}

	w.Header().Add("Vary", "Accept")
	w.Header().Add("Vary", "Accept-Encoding")
	w.Header().Set("Content-Type", string(format))
	var err error
	if acceptsGzip(r) {
		w.Header().Set("Content-Encoding", "gzip")
		err = writeGzip(w, encs, buf.Bytes(), pieces)
	} else {
		err = writeIdentity(w, encs, buf.Bytes(), pieces)
	}
	if err != nil {
		h.encodeError(err)
	}
}

// assemble merges the families of the cached encodings and the live ones in name order into
// pieces, encoding the live families into buf as they come, and ends with the format's
// trailer. It reports false if two parts have a family of the same name.
func (h *expositionHandler) assemble(buf *bytes.Buffer, format expfmt.Format, encs []*encoding, live []*dto.MetricFamily) ([]piece, bool) {
	var pieces []piece
	add := func(part, from, to int) {
		if n := len(pieces); n > 0 && pieces[n-1].part == part && pieces[n-1].to == from {
			pieces[n-1].to = to
			return
		}
		pieces = append(pieces, piece{part, from, to})
	}
	next := make([]int, len(encs)+1) // the next family of each part, live last
	name := func(part int) (string, bool) {
		if part == len(encs) {
			if next[part] < len(live) {
				return live[next[part]].GetName(), true
			}
		} else if next[part] < len(encs[part].names) {
			return encs[part].names[next[part]], true
		}
		return "", false
	}
	le := expfmt.NewEncoder(buf, format)
	for {
		best, bestName := -1, ""
		for part := range next {
			n, ok := name(part)
			switch {
			case !ok:
			case best < 0 || n < bestName:
				best, bestName = part, n
			case n == bestName:
				return nil, false
			}
		}
		if best < 0 {
			break
		}
		if best == len(encs) {
			start := buf.Len()
			if err := le.Encode(live[next[best]]); err != nil {
				h.encodeError(err)
			}
			add(best, start, buf.Len())
		} else {
			add(best, next[best], next[best]+1)
		}
		next[best]++
	}
	if len(encs) > 0 {
		start := buf.Len()
		buf.Write(encs[0].trailer)
		add(len(encs), start, buf.Len())
	}
	return pieces, true
}

// writeIdentity writes the pieces as they are.
func writeIdentity(w http.ResponseWriter, encs []*encoding, live []byte, pieces []piece) error {
	for _, p := range pieces {
		var b []byte
		if p.part < len(encs) {
			enc := encs[p.part]
			b = enc.body[enc.start(p.from):enc.start(p.to)]
		} else {
			b = live[p.from:p.to]
		}
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	return nil
}

// writeGzip writes the same page as writeIdentity as one gzip member: the cached runs come
// compressed already, the live ones are added as stored blocks.
func writeGzip(w http.ResponseWriter, encs []*encoding, live []byte, pieces []piece) error {
	runs := make([][][2]int, len(encs))
	for _, p := range pieces {
		if p.part < len(encs) {
			runs[p.part] = append(runs[p.part], [2]int{p.from, p.to})
		}
	}
	layouts := make([]*gzipLayout, len(encs))
	for i, enc := range encs {
		layouts[i] = enc.gzipLayout(runs[i])
	}
	g := newSplicedGzip(w)
	used := make([]int, len(encs))
	for _, p := range pieces {
		if p.part == len(encs) {
			g.stored(live[p.from:p.to])
			continue
		}
		g.chunk(layouts[p.part].chunks[used[p.part]])
		used[p.part]++
	}
	return g.close()
}

// encoding returns the part encoded in format, building it on the first request after the
// part changed.
func (p *cachedPart) encoding(format expfmt.Format) *encoding {
	// Read before gathering: if the part changes meanwhile, what is built may be newer than
	// gen says, and the next scrape builds again; never older.
	gen := p.generation()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.formats == nil || p.gen != gen {
		p.gen = gen
		p.formats = map[expfmt.Format]*encoding{}
	}
	enc, ok := p.formats[format]
	if !ok {
		enc = encode(p.gatherer, format)
		p.formats[format] = enc
	}
	return enc
}

// encode gathers g and encodes each family in format, keeping where each one ends.
func encode(g prometheus.Gatherer, format expfmt.Format) *encoding {
	mfs, err := g.Gather()
	enc := &encoding{gatherErr: err, names: make([]string, 0, len(mfs)), ends: make([]int, 0, len(mfs))}
	var body bytes.Buffer
	e := expfmt.NewEncoder(&body, format)
	for _, mf := range mfs {
		// Like promhttp with ContinueOnError, keep what was written and go on.
		if err := e.Encode(mf); err != nil {
			enc.encodeErrs = append(enc.encodeErrs, err)
		}
		enc.names = append(enc.names, mf.GetName())
		enc.ends = append(enc.ends, body.Len())
	}
	enc.body = bytes.Clone(body.Bytes())
	var trailer bytes.Buffer
	if c, ok := expfmt.NewEncoder(&trailer, format).(expfmt.Closer); ok {
		if err := c.Close(); err != nil {
			enc.encodeErrs = append(enc.encodeErrs, err)
		}
	}
	enc.trailer = trailer.Bytes()
	return enc
}

// gzipLayout returns the encoding compressed in the given runs of families. The runs follow
// from where the other parts' families fall, which changes only when a family appears (a
// counter vector with its first child), so the last layout is kept.
func (e *encoding) gzipLayout(runs [][2]int) *gzipLayout {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.layout != nil && slices.Equal(e.layout.runs, runs) {
		return e.layout
	}
	fw, _ := flate.NewWriter(nil, flate.DefaultCompression)
	l := &gzipLayout{runs: runs, chunks: make([]deflateChunk, len(runs))}
	for i, r := range runs {
		l.chunks[i] = compressChunk(fw, e.body[e.start(r[0]):e.start(r[1])])
	}
	e.layout = l
	return l
}

func (h *expositionHandler) encodeError(err error) {
	h.logf("error encoding and sending metric family:", err)
	h.errCnt.WithLabelValues("encoding").Inc()
}

func (h *expositionHandler) logf(msg string, err error) {
	if h.errLog != nil {
		h.errLog.Println(msg, err)
	}
}

// acceptsGzip decides between gzip and identity as promhttp does with its default offers
// (identity first, then gzip): the offer with the highest q wins, the first on a tie, and a
// best q of 0 falls back to identity.
func acceptsGzip(r *http.Request) bool {
	best, bestQ := "identity", -1.0
	specs := parseAcceptEncoding(r.Header.Values("Accept-Encoding"))
	for _, offer := range []string{"identity", "gzip"} {
		for _, s := range specs {
			if s.q > bestQ && (s.value == "*" || s.value == offer) {
				best, bestQ = offer, s.q
			}
		}
	}
	return best == "gzip" && bestQ > 0
}

type acceptSpec struct {
	value string
	q     float64
}

// parseAcceptEncoding reads Accept-Encoding values such as "gzip, deflate;q=0.5" the way
// promhttp's parser does: a header value is read up to its first malformed part.
func parseAcceptEncoding(values []string) []acceptSpec {
	var specs []acceptSpec
	for _, s := range values {
		for {
			i := 0
			for i < len(s) && isTokenChar(s[i]) {
				i++
			}
			spec := acceptSpec{value: s[:i], q: 1}
			if spec.value == "" {
				break
			}
			s = strings.TrimLeft(s[i:], " \t")
			if rest, ok := strings.CutPrefix(s, ";"); ok {
				rest, ok = strings.CutPrefix(strings.TrimLeft(rest, " \t"), "q=")
				if !ok {
					break
				}
				if spec.q, s = parseQuality(rest); spec.q < 0 {
					break
				}
			}
			specs = append(specs, spec)
			rest, ok := strings.CutPrefix(strings.TrimLeft(s, " \t"), ",")
			if !ok {
				break
			}
			s = strings.TrimLeft(rest, " \t")
		}
	}
	return specs
}

// isTokenChar reports whether b may appear in an RFC 7230 token (or is a slash, which media
// types have).
func isTokenChar(b byte) bool {
	return b > ' ' && b < 0x7f && !strings.ContainsRune(`()<>@,;:\"[]?={}`, rune(b))
}

// parseQuality reads a q value: 0 or 1, then optional decimals. It returns -1 for anything
// else, and what follows the number.
func parseQuality(s string) (float64, string) {
	if s == "" || (s[0] != '0' && s[0] != '1') {
		return -1, ""
	}
	q := float64(s[0] - '0')
	s, ok := strings.CutPrefix(s[1:], ".")
	if !ok {
		return q, s
	}
	i, n, d := 0, 0, 1
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		n = n*10 + int(s[i]-'0')
		d *= 10
	}
	return q + float64(n)/float64(d), s[i:]
}
