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
// a hundred apps that is 20,000 series and two megabytes of text per scrape, hundreds of
// times the cost of sending the bytes. So the Exporter's families are encoded once per
// snapshot change and format (and compressed once per layout, see gzip.go), and each scrape
// only gathers and encodes the live self-metrics (Go runtime, process, API request counters,
// the handler's own counters) and merges them in, in name order, so that the page is byte
// for byte what promhttp would serve for the same state.

// HandlerOpts configures Exporter.Handler.
type HandlerOpts struct {
	// Live holds every other metric of the page, the ones that change on their own: Go
	// runtime and process collectors, the API request counters, the HTTP handler's own
	// counters. It is gathered and encoded on every scrape and must not hold the Exporter.
	Live prometheus.Gatherer
	// Registry, if set, receives promhttp_metric_handler_errors_total, as the promhttp
	// option of the same name does.
	Registry prometheus.Registerer
	// ErrorLog, if set, receives gathering and encoding errors, as promhttp's does.
	ErrorLog promhttp.Logger
}

// Handler serves the Exporter's families and opts.Live as promhttp.HandlerFor would serve
// both with ContinueOnError and OpenMetrics enabled: the same bytes, content negotiation
// (text, OpenMetrics, protobuf, name escaping, gzip) and error counting. A collector that
// failed its refresh still serves its last good snapshot, so the page always answers.
//
// The Exporter must not be registered with opts.Live as well.
func (e *Exporter) Handler(opts HandlerOpts) http.Handler {
	cached := prometheus.NewRegistry()
	cached.MustRegister(e)
	popts := promhttp.HandlerOpts{
		ErrorLog:          opts.ErrorLog,
		ErrorHandling:     promhttp.ContinueOnError,
		Registry:          opts.Registry,
		EnableOpenMetrics: true,
	}
	h := &expositionHandler{
		exp:    e,
		cached: cached,
		live:   opts.Live,
		errLog: opts.ErrorLog,
		// promhttp registers promhttp_metric_handler_errors_total; the same counter is
		// taken back below, so both paths count into it.
		fallback: promhttp.HandlerFor(prometheus.Gatherers{cached, opts.Live}, popts),
		errCnt:   handlerErrors(opts.Registry),
	}
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
	exp      *Exporter
	cached   *prometheus.Registry // the Exporter alone
	live     prometheus.Gatherer
	errLog   promhttp.Logger
	errCnt   *prometheus.CounterVec
	fallback http.Handler // promhttp over both gatherers, for what the cache does not cover

	mu      sync.Mutex
	gen     uint64                      // the Exporter generation formats was built for
	formats map[expfmt.Format]*encoding // built on first use per generation
	layouts map[*encoding]*gzipLayout   // the compressed runs of each encoding
}

// encoding is the Exporter's families encoded in one format, as of one generation. It is
// never modified once built.
type encoding struct {
	format     expfmt.Format
	names      []string // family names, sorted, as Gather returns them
	ends       []int    // ends[i] is where family i ends in body
	body       []byte
	trailer    []byte // what the encoder writes on Close: "# EOF" for OpenMetrics
	gatherErr  error
	encodeErrs []error
}

// start returns where family i starts in body.
func (e *encoding) start(i int) int {
	if i == 0 {
		return 0
	}
	return e.ends[i-1]
}

// gzipLayout is an encoding compressed in runs, cut where live families go in.
type gzipLayout struct {
	splits []int          // family indexes where live families are inserted, ascending
	runs   []deflateChunk // runs[k] holds families splits[k-1] up to splits[k]
}

// liveSegment is live families encoded for insertion before cached family at.
type liveSegment struct {
	at         int
	start, end int // in the live buffer
}

var (
	bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}
	// BestSpeed: the live part is compressed on every scrape, and it is small.
	flatePool = sync.Pool{New: func() any {
		w, _ := flate.NewWriter(nil, flate.BestSpeed)
		return w
	}}
)

// ServeHTTP implements http.Handler.
func (h *expositionHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL != nil && r.URL.Query().Has("name[]") {
		h.fallback.ServeHTTP(w, r) // a filtered page is for debugging, not worth a cache
		return
	}
	format := expfmt.NegotiateAccept(r.Header, expfmt.DefaultOpenMetricsAcceptedFormats()...)
	enc := h.encoding(format)
	live, liveErr := h.live.Gather()
	for _, mf := range live {
		if _, dup := slices.BinarySearch(enc.names, mf.GetName()); dup {
			// Two collectors for one family: promhttp knows how to merge or reject them.
			h.fallback.ServeHTTP(w, r)
			return
		}
	}
	var errs prometheus.MultiError
	errs.Append(enc.gatherErr)
	errs.Append(liveErr)
	if err := errs.MaybeUnwrap(); err != nil {
		h.logf("error gathering metrics:", err)
		h.errCnt.WithLabelValues("gathering").Inc()
		if len(enc.names)+len(live) == 0 {
			w.Header().Del("Content-Encoding")
			http.Error(w, "An error has occurred while serving metrics:\n\n"+err.Error(), http.StatusInternalServerError)
			return
		}
	}
	for _, err := range enc.encodeErrs {
		h.encodeError(err)
	}

	buf := bufPool.Get().(*bytes.Buffer)
	defer bufPool.Put(buf)
	buf.Reset()
	segs := h.encodeLive(buf, format, live, enc)

	w.Header().Add("Vary", "Accept")
	w.Header().Add("Vary", "Accept-Encoding")
	w.Header().Set("Content-Type", string(format))
	var err error
	if acceptsGzip(r) {
		w.Header().Set("Content-Encoding", "gzip")
		err = h.writeGzip(w, enc, buf.Bytes(), segs)
	} else {
		err = writeIdentity(w, enc, buf.Bytes(), segs)
	}
	if err != nil {
		h.encodeError(err)
	}
}

// encodeLive encodes the live families into buf, grouped by the cached family they go
// before, and ends with the encoder's trailer. The segments are in page order.
func (h *expositionHandler) encodeLive(buf *bytes.Buffer, format expfmt.Format, live []*dto.MetricFamily, enc *encoding) []liveSegment {
	var segs []liveSegment
	add := func(at, start int) {
		if n := len(segs); n > 0 && segs[n-1].at == at {
			segs[n-1].end = buf.Len()
			return
		}
		segs = append(segs, liveSegment{at: at, start: start, end: buf.Len()})
	}
	le := expfmt.NewEncoder(buf, format)
	for _, mf := range live {
		at, _ := slices.BinarySearch(enc.names, mf.GetName())
		start := buf.Len()
		if err := le.Encode(mf); err != nil {
			h.encodeError(err)
		}
		add(at, start)
	}
	start := buf.Len()
	buf.Write(enc.trailer)
	add(len(enc.names), start)
	return segs
}

// writeIdentity writes the cached body with the live segments spliced in.
func writeIdentity(w http.ResponseWriter, enc *encoding, live []byte, segs []liveSegment) error {
	prev := 0
	for _, s := range segs {
		if _, err := w.Write(enc.body[enc.start(prev):enc.start(s.at)]); err != nil {
			return err
		}
		if _, err := w.Write(live[s.start:s.end]); err != nil {
			return err
		}
		prev = s.at
	}
	_, err := w.Write(enc.body[enc.start(prev):])
	return err
}

// writeGzip writes the same page as writeIdentity, as one gzip member: the cached runs come
// compressed already, the live segments are compressed now.
func (h *expositionHandler) writeGzip(w http.ResponseWriter, enc *encoding, live []byte, segs []liveSegment) error {
	splits := make([]int, len(segs))
	for i, s := range segs {
		splits[i] = s.at
	}
	layout := h.layout(enc, splits)
	fw := flatePool.Get().(*flate.Writer)
	defer flatePool.Put(fw)
	g := newSplicedGzip(w)
	for i, s := range segs {
		g.chunk(layout.runs[i])
		g.chunk(compressChunk(fw, live[s.start:s.end]))
	}
	g.chunk(layout.runs[len(segs)])
	return g.close()
}

// encoding returns the Exporter's families encoded in format, building it on the first
// request after a snapshot changed.
func (h *expositionHandler) encoding(format expfmt.Format) *encoding {
	// Read before gathering: if a snapshot is swapped in meanwhile, what is built may be
	// newer than gen says, and the next scrape builds again; never older.
	gen := h.exp.generation.Load()
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.formats == nil || h.gen != gen {
		h.gen = gen
		h.formats = map[expfmt.Format]*encoding{}
		h.layouts = map[*encoding]*gzipLayout{}
	}
	enc, ok := h.formats[format]
	if !ok {
		enc = h.encode(format)
		h.formats[format] = enc
	}
	return enc
}

func (h *expositionHandler) encode(format expfmt.Format) *encoding {
	mfs, err := h.cached.Gather()
	enc := &encoding{format: format, gatherErr: err, names: make([]string, 0, len(mfs)), ends: make([]int, 0, len(mfs))}
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

// layout returns enc compressed in runs cut at splits. The live families rarely change
// places (a counter vector appears with its first child), so one layout per encoding is
// kept.
func (h *expositionHandler) layout(enc *encoding, splits []int) *gzipLayout {
	h.mu.Lock()
	defer h.mu.Unlock()
	if l, ok := h.layouts[enc]; ok && slices.Equal(l.splits, splits) {
		return l
	}
	fw, _ := flate.NewWriter(nil, flate.DefaultCompression)
	l := &gzipLayout{splits: splits, runs: make([]deflateChunk, 0, len(splits)+1)}
	prev := 0
	for _, at := range append(slices.Clip(splits), len(enc.names)) {
		l.runs = append(l.runs, compressChunk(fw, enc.body[enc.start(prev):enc.start(at)]))
		prev = at
	}
	if h.formats[enc.format] == enc { // not of a generation gone meanwhile
		h.layouts[enc] = l
	}
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
