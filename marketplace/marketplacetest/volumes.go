package marketplacetest

import (
	"math"
	"time"
)

// The default vendor is a small-to-mid Marketplace vendor. Each app has a
// profile: for each hosting, evaluations per day as of profileEpoch, how many
// of them convert, the paid and free licenses that start without an
// evaluation, and a yearly growth rate. A day's expected births are the
// profile's rates times the day's shape: the growth since profileEpoch, a
// yearly season with a holiday dip, the day of the week and a weekly noise.
// Shapes depend only on the seed, the app and the day, so a day's data never
// depends on the clock.

// profileEpoch is the day the profiles' rates are quoted for.
var profileEpoch = dayOf(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))

// Hosting indexes of per-hosting arrays, in the order of hostings.
const (
	hostingCloudIdx = iota
	hostingDataCenterIdx
	hostingServerIdx
	numHostings
)

// hostingRates are an app's volumes for one hosting, per day at
// profileEpoch before the day's shape.
type hostingRates struct {
	evals  float64 // evaluations started
	direct float64 // paid licenses bought without an evaluation
	free   float64 // community, open-source and demonstration licenses
	conv   float64 // chance that an evaluation converts to a paid license
	growth float64 // continuous yearly growth rate of the hosting's volume
}

// appProfile is what an app's days are drawn from.
type appProfile struct {
	h [numHostings]hostingRates
	// feedback is the feedback entries per evaluation started.
	feedback float64
	// bursts gives the app a burst of uninstalls every burstCycle days.
	bursts bool
}

// dayRates are an app's expected births on one day.
type dayRates struct {
	evals, direct, free, conv [numHostings]float64
	// feedback is the regular feedback, burst the extra uninstalls.
	feedback, burst float64
}

// Feedback bursts: an app with bursts gets, once every burstCycle days, on
// burstDays days in a row, burstFactor times its usual daily feedback as
// extra uninstalls, as after a release that broke something. The cycle is
// longer than the 28 days the spike alert compares with, and the burst
// starts between burstOffset and burstOffset+6 days into the cycle, so
// every burst stands out against the four weeks before it.
const (
	burstCycle  = 35
	burstOffset = 14
	burstDays   = 3
	burstFactor = 5.0
)

// at returns the app's expected births on day d.
func (p *appProfile) at(seed int64, a int, d day) dayRates {
	wd := weekdayFactor(d)
	common := season(d) * weekNoise(seed, a, d)
	var r dayRates
	var evals float64
	for h := range p.h {
		hr := &p.h[h]
		if hr.evals == 0 && hr.direct == 0 && hr.free == 0 {
			continue
		}
		m := common * trend(hr.growth, d)
		r.evals[h], r.direct[h], r.free[h], r.conv[h] = hr.evals*m*wd, hr.direct*m*wd, hr.free*m*wd, hr.conv
		evals += hr.evals * m
	}
	r.feedback = p.feedback * evals * wd
	if p.bursts {
		r.burst = burstFactor * p.feedback * evals * burstAt(seed, a, d)
	}
	return r
}

// trend is the growth factor from profileEpoch to d, kept within bounds so
// that a history reaching far from the epoch stays plausible.
func trend(growth float64, d day) float64 {
	if growth == 0 {
		return 1
	}
	return min(max(math.Exp(growth*float64(d-profileEpoch)/365.25), 0.05), 20)
}

// season is the yearly cycle: busiest in late winter, quietest in late
// summer, and at half speed over the year-end holidays.
func season(d day) float64 {
	t := d.time()
	s := 1 + 0.1*math.Cos(2*math.Pi*float64(t.YearDay()-60)/365.25)
	if m, dd := t.Month(), t.Day(); m == time.December && dd >= 22 || m == time.January && dd <= 2 {
		s *= 0.45
	}
	return s
}

// weekdayShares weigh the days of the week, Sunday first: people evaluate
// and buy apps at work. They average 1.
var weekdayShares = func() [7]float64 {
	w := [7]float64{0.4, 1.15, 1.25, 1.25, 1.2, 1.0, 0.45}
	var sum float64
	for _, x := range w {
		sum += x
	}
	for i := range w {
		w[i] *= 7 / sum
	}
	return w
}()

// weekdayFactor returns d's weekday share. 1970-01-01 was a Thursday.
func weekdayFactor(d day) float64 { return weekdayShares[(int64(d)%7+7+4)%7] }

// weekNoise is a factor around 1 (about ±15%) drawn for app a's week of d,
// so that trend lines move from week to week beyond the counting noise.
func weekNoise(seed int64, a int, d day) float64 {
	const sigma = 0.15
	z := normalOf(streamKey(seed, purposeShape, uint64(a), uint64(d.weekStart())))
	return math.Exp(sigma*z - sigma*sigma/2)
}

// burstAt returns, for an app with bursts, the size (around 1) of the burst
// on day d, or 0 when there is none.
func burstAt(seed int64, a int, d day) float64 {
	cycle := int64(d) / burstCycle
	if d < 0 {
		cycle = (int64(d) - burstCycle + 1) / burstCycle
	}
	h := streamKey(seed, purposeBurst, uint64(a), uint64(cycle))
	start := cycle*burstCycle + burstOffset + int64(h%7)
	if int64(d) < start || int64(d) >= start+burstDays {
		return 0
	}
	return 0.7 + 0.6*unitOf(h>>8)
}

// unitOf maps the top 53 bits of h to [0, 1).
func unitOf(h uint64) float64 { return float64(h>>11) / (1 << 53) }

// normalOf maps h to an approximately standard normal value: the
// Irwin–Hall sum of its four 16-bit quarters.
func normalOf(h uint64) float64 {
	var s float64
	for i := range 4 {
		s += float64(h>>(16*i)&0xffff) / (1 << 16)
	}
	return (s - 2) * math.Sqrt(3)
}

// defaultProfile returns app a's volumes in the default vendor. The first
// three apps tell a story a vendor recognises: an established Jira app on
// every hosting whose Server business fades out, a Confluence app whose
// releases now and then set off a burst of uninstalls, and a young
// Cloud-only app growing fast. Further apps draw their size and growth from
// the seed. Another seed gives a vendor of the same kind, some 15% larger
// or smaller.
func defaultProfile(seed int64, a int, app *App) appProfile {
	r := newRand(seed, purposeApp, uint64(a), 2)
	var perWeek, growth [numHostings]float64
	switch a {
	case 0:
		perWeek, growth = [numHostings]float64{26, 8, 2.5}, [numHostings]float64{0.12, -0.05, -0.6}
	case 1:
		perWeek, growth = [numHostings]float64{18, 6, 0}, [numHostings]float64{0.05, -0.08, 0}
	case 2:
		perWeek, growth = [numHostings]float64{30, 0, 0}, [numHostings]float64{0.55, 0, 0}
	default:
		share := [numHostings]float64{0.68, 0.27, 0.05}
		var sum float64
		for _, h := range app.Hostings {
			sum += share[hostingIndex(h)]
		}
		total := 22 * popularity(seed, a)
		for _, h := range app.Hostings {
			i := hostingIndex(h)
			perWeek[i] = total * share[i] / sum
		}
		growth = [numHostings]float64{-0.1 + 0.55*r.Float64(), -0.2 + 0.25*r.Float64(), -0.6}
	}
	vary := 0.85 + 0.3*r.Float64()
	p := appProfile{feedback: 0.26 + 0.08*r.Float64(), bursts: a%8 == 1}
	// Conversion and the paid and free licenses without an evaluation:
	// nearly every Cloud subscription starts as a trial, while Data Center
	// customers often buy outright or through a partner.
	conv := [numHostings]float64{0.11 + 0.07*r.Float64(), 0.2 + 0.06*r.Float64(), 0.15}
	directPerConversion := [numHostings]float64{0.15, 0.35, 1}
	freePerEval := [numHostings]float64{0.04, 0.04, 0.12}
	for h := range numHostings {
		if perWeek[h] == 0 {
			continue
		}
		e := perWeek[h] * vary / 7
		p.h[h] = hostingRates{
			evals: e, direct: e * conv[h] * directPerConversion[h], free: e * freePerEval[h],
			conv: conv[h], growth: growth[h],
		}
	}
	return p
}

// hostingIndex returns the index of a hosting display name.
func hostingIndex(h string) int {
	switch h {
	case HostingCloud:
		return hostingCloudIdx
	case HostingDataCenter:
		return hostingDataCenterIdx
	default:
		return hostingServerIdx
	}
}

// popularity is an app's relative size among the apps after the first
// three.
func popularity(seed int64, a int) float64 {
	r := newRand(seed, purposeApp, uint64(a), 1)
	return 0.5 + r.ExpFloat64()
}

// vendorPlan is everything generation needs besides the days: the apps and
// their profiles, scaled to the volumes Options asks for.
type vendorPlan struct {
	seed     int64
	apps     []App
	profiles []appProfile
	first    day
	// perDay are each app's expected licenses, transactions and feedback
	// per day over the history, for sizing the event slices.
	perDay []expected
}

// expected are expected volumes of an app.
type expected struct {
	evals, conversions, direct, free, transactions, feedback float64
}

func (e expected) licenses() float64 { return e.evals + e.conversions + e.direct + e.free }

// newPlan makes the apps' profiles and scales them to the volumes o asks
// for, over the history [today-HistoryDays, today]. It fills in the volumes
// o leaves to the simulator with the expected totals over that history.
//
// Without Licenses and Transactions, the profiles are used as they are, so
// that a day's data depends only on the seed, the app and the day. With
// them, evaluations and free licenses are scaled by one factor and paid
// licenses by another, so that the history holds about that many licenses
// and transactions; the factors depend on where the history lies, so then
// two simulators created on different days differ.
func newPlan(o *Options, today day) *vendorPlan {
	apps := makeApps(o.Seed, o.Apps)
	vp := &vendorPlan{seed: o.Seed, apps: apps, profiles: make([]appProfile, len(apps)), first: today - day(o.HistoryDays)}
	for a := range apps {
		vp.profiles[a] = defaultProfile(o.Seed, a, &apps[a])
	}
	txns := transactionTables(o.HistoryDays)
	exp := make([]expected, len(apps))
	var total expected
	for a := range apps {
		exp[a] = vp.expect(a, today, txns)
		total.evals += exp[a].evals
		total.conversions += exp[a].conversions
		total.direct += exp[a].direct
		total.free += exp[a].free
		total.transactions += exp[a].transactions
	}

	// sOther scales evaluations and free licenses, sPaid paid licenses.
	sOther, sPaid := 1.0, 1.0
	other, paid := total.evals+total.free, total.conversions+total.direct
	switch {
	case o.Licenses > 0 && o.Transactions > 0:
		sPaid = float64(o.Transactions) / total.transactions
		sOther = max(float64(o.Licenses)-sPaid*paid, 0.1*float64(o.Licenses)) / other
	case o.Licenses > 0:
		sOther = float64(o.Licenses) / (other + paid)
		sPaid = sOther
	case o.Transactions > 0:
		sPaid = float64(o.Transactions) / total.transactions
		sOther = sPaid
	}
	vp.perDay = make([]expected, len(apps))
	days := float64(o.HistoryDays + 1)
	var licenses, transactions float64
	for a := range apps {
		vp.profiles[a].scale(sOther, sPaid)
		e := exp[a]
		// A conversion is an evaluation's: the share of evaluations that
		// convert scales with sPaid/sOther, up to one in two.
		conv := min(e.conversions*sPaid/sOther, 0.5*e.evals)
		e = expected{
			evals: e.evals * sOther, conversions: conv * sOther,
			direct: max(sPaid*(e.conversions+e.direct)-conv*sOther, 0),
			free:   e.free * sOther, transactions: e.transactions * sPaid, feedback: e.feedback * sOther,
		}
		licenses += e.licenses()
		transactions += e.transactions
		vp.perDay[a] = expected{
			evals: e.evals / days, conversions: e.conversions / days, direct: e.direct / days, free: e.free / days,
			transactions: e.transactions / days, feedback: e.feedback / days,
		}
	}
	o.Licenses = int(math.Round(licenses))
	o.Transactions = int(math.Round(transactions))
	return vp
}

// scale multiplies evaluations, free licenses and feedback by sOther and
// paid licenses by sPaid. Conversions are the evaluations' share that
// converts: it grows with sPaid/sOther up to one in two, and the direct
// paid licenses make up the rest.
func (p *appProfile) scale(sOther, sPaid float64) {
	for h := range p.h {
		hr := &p.h[h]
		wantPaid := sPaid * (hr.evals*hr.conv + hr.direct)
		hr.evals *= sOther
		hr.free *= sOther
		hr.conv = min(hr.conv*sPaid/sOther, 0.5)
		hr.direct = max(wantPaid-hr.evals*hr.conv, 0)
	}
}

// expect returns app a's expected volumes over the history up to today,
// with the transactions their paid licenses bring by today.
func (vp *vendorPlan) expect(a int, today day, txns *[numHostings][]float64) expected {
	p := &vp.profiles[a]
	var e expected
	for d := vp.first; d <= today; d++ {
		rt := p.at(vp.seed, a, d)
		rem := int(today - d)
		for h := range numHostings {
			conv := rt.evals[h] * rt.conv[h]
			e.evals += rt.evals[h]
			e.conversions += conv
			e.direct += rt.direct[h]
			e.free += rt.free[h]
			e.transactions += (conv + rt.direct[h]) * txns[h][rem]
		}
		e.feedback += rt.feedback + rt.burst
	}
	return e
}

// transactionTables returns, per hosting, the expected number of
// transactions a paid license has after rem days, for rem up to days: its
// New row, perhaps a refund, and the renewals that fit.
func transactionTables(days int) *[numHostings][]float64 {
	rows := func(hosting string, months, rem int) float64 {
		k := math.Floor(float64(rem) / (float64(months) * 30.44))
		p1, p := renewProb(hosting, months, 1), renewProb(hosting, months, 2)
		return 1 + refundProb + (1-refundProb)*p1*(1-math.Pow(p, k))/(1-p)
	}
	var t [numHostings][]float64
	for h, hosting := range hostings {
		t[h] = make([]float64, days+1)
		for rem := range t[h] {
			if hosting == HostingCloud {
				t[h][rem] = cloudMonthlyShare*rows(hosting, 1, rem) + (1-cloudMonthlyShare)*rows(hosting, 12, rem)
			} else {
				t[h][rem] = rows(hosting, 12, rem)
			}
		}
	}
	return &t
}

// build generates the days from the first of history to marginDays past
// today, with the Dataset's indexes and monthly rows.
func (vp *vendorPlan) build(today day) *Dataset {
	last := min(today+marginDays, vp.first+maxSpanDays)
	ds := vp.generate(last)
	ds.seed = vp.seed
	ds.idx = buildIndexes(ds)
	ds.monthly(vp.seed)
	ds.distribution(min(today, last))
	return ds
}
