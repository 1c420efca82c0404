package marketplacetest

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Lifecycle parameters of the synthetic vendor. They are tuned for plausible
// numbers, not fitted to any real vendor.
const (
	evalDays           = 30
	cloudMonthlyShare  = 0.42
	academicShare      = 0.1
	partnerShare       = 0.15
	rtbfShare          = 0.03
	refundProb         = 0.08
	upgradeProb        = 0.05
	downgradeProb      = 0.035
	reactivateProb     = 0.12
	freeRenewProb      = 0.7
	cloudVendorPercent = 85
	dcVendorPercent    = 75
)

// Distributions of the generated values.
var (
	editionWeights      = []weighted[string]{{"Free", 15}, {"Standard", 50}, {"Premium", 30}, {"Enterprise", 5}}
	partnerTypeWeights  = []weighted[string]{{"Expert", 6}, {"Reseller", 3}, {"Corporate_reseller", 1}}
	appEditionWeights   = []weighted[string]{{"Standard", 9}, {"Advanced", 1}}
	paymentWeights      = []weighted[string]{{"Paid", 96}, {"Open", 3}, {"Uncollectible", 1}}
	cloudTierWeights    = []weighted[int]{{0, 38}, {1, 25}, {2, 15}, {3, 10}, {4, 6}, {5, 3.5}, {6, 1.5}, {7, 0.7}, {8, 0.3}}
	serverTierWeights   = []weighted[int]{{2, 24}, {3, 27}, {4, 21}, {5, 14}, {6, 9}, {7, 3}, {8, 0.6}}
	cloudFreeTypes      = []weighted[string]{{TypeCommunity, 50}, {TypeOpenSource, 50}}
	serverFreeTypes     = []weighted[string]{{TypeCommunity, 50}, {TypeOpenSource, 50}, {TypeDemonstration, 30}}
	serverFeedbackTypes = []weighted[string]{{"uninstall", 7}, {"disable", 3}}
	cloudFeedbackTypes  = []weighted[string]{{"uninstall", 50}, {"disable", 10}, {"unsubscribe", 40}}
	// Why customers leave, roughly as often as vendors report it.
	feedbackReasonWeights = []weighted[string]{
		{"not-meeting-needs", 22}, {"usefulness", 16}, {"expectations", 12}, {"project-based", 11},
		{"sandbox", 10}, {"other", 12}, {"bugs", 9}, {"merging", 8},
	}
	burstReasonWeights = []weighted[string]{{"bugs", 8}, {"expectations", 1}, {"other", 1}}
	countryWeights     = func() []weighted[country] {
		w := make([]weighted[country], len(countries))
		for i, c := range countries {
			w[i] = weighted[country]{c, c.weight}
		}
		return w
	}()
)

// renewProb is the chance that a paid license renews at the end of its
// k-th period. Cloud subscriptions churn most after their first period;
// Server, at its end of life, rarely renews.
func renewProb(hosting string, months, k int) float64 {
	switch {
	case hosting == HostingCloud && months == 1 && k == 1:
		return 0.9
	case hosting == HostingCloud && months == 1:
		return 0.962
	case hosting == HostingCloud && k == 1:
		return 0.8
	case hosting == HostingCloud:
		return 0.88
	case hosting == HostingDataCenter:
		return 0.85
	default:
		return 0.5
	}
}

// License kinds, part of a license number.
const (
	kindEvaluation = iota
	kindPaid
	kindFree
)

// licenseNumber packs what a license was born from into a unique number:
// app, birth day, kind, position among that day's births, and depth (a
// conversion or a reactivation is one deeper than the license it came from).
func licenseNumber(app int, d day, kind, i int) uint64 {
	return uint64(app+1)<<52 | uint64(d)<<32 | uint64(kind)<<30 | uint64(i)<<14
}

// maxBirthsPerDay keeps i within its 16 bits of a license number.
const maxBirthsPerDay = 1<<16 - 1

// family is what the licenses of one customer site share: an evaluation and
// the subscription it converted to, or a cancelled subscription and its
// reactivation.
type family struct {
	customer Customer
	partner  *Partner
	cloudID  string
	hostname string
	edition  string
	hostSEN  string
	// Cloud sites: the parent product's entitlement and the billing account.
	hostEntitlementID, hostEntitlementNumber, transactionAccountID string
}

// genLicense is a license being generated, with the events it caused.
type genLicense struct {
	License
	app int
	seq int
	// evalSeq is the seq of the evaluation this converted from, or -1.
	evalSeq int
	// firstTxn is the seq of the New sale; txns counts the license's sales.
	firstTxn, txns int
}

type genBilling struct {
	BillingEvent
	lic, txn int
}

type genConversion struct {
	Conversion
	eval, lic, txn int
}

// generator builds the events of one app, or holds those of all apps merged.
// Events are appended in generation order and sorted by date at the end; seq
// numbers (positions in generation order) tie events to licenses and
// transactions across that sort.
type generator struct {
	seed        int64
	first, last day
	apps        []App

	lics   []*genLicense
	txns   []Transaction
	txnLic []int // seq of each transaction's license
	// txnRefs, once merged, points at every app's transactions: copying
	// them again would double the largest allocation of New.
	txnRefs     []*Transaction
	billing     []genBilling
	conversions []genConversion
	mrr         []MRRChange
	feedback    []Feedback
}

// generate builds the dataset for days [vp.first, last]. Apps are
// independent, so each is generated on its own goroutine and the results
// merged in app order, which keeps the outcome deterministic.
func (vp *vendorPlan) generate(last day) *Dataset {
	apps := slices.Clone(vp.apps)
	parts := make([]*generator, len(apps))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(apps)) {
		wg.Go(func() {
			for a := int(next.Add(1) - 1); a < len(apps); a = int(next.Add(1) - 1) {
				g := &generator{seed: vp.seed, first: vp.first, last: last, apps: apps}
				g.reserve(vp.perDay[a], int(last-vp.first+1))
				p := &vp.profiles[a]
				for d := vp.first; d <= last; d++ {
					rt := p.at(vp.seed, a, d)
					g.day(a, d, &rt)
				}
				parts[a] = g
			}
		})
	}
	wg.Wait()
	return merge(parts).dataset()
}

// reserve sizes the event slices for an app's expected volume, since
// growing slices of large structs dominated generation time.
func (g *generator) reserve(e expected, days int) {
	n := func(perDay, margin float64) int { return int(margin*perDay*float64(days)) + 16 }
	paid := e.conversions + e.direct
	lics := n(e.licenses(), 1.15)
	txns := n(e.transactions, 1.3)
	g.lics = make([]*genLicense, 0, lics)
	g.txns = make([]Transaction, 0, txns)
	g.txnLic = make([]int, 0, txns)
	g.billing = make([]genBilling, 0, txns)
	g.mrr = make([]MRRChange, 0, n(paid, 2.5))
	g.feedback = make([]Feedback, 0, n(e.feedback, 1.2))
}

// merge concatenates the apps' generators, shifting their seq numbers.
func merge(parts []*generator) *generator {
	m := &generator{seed: parts[0].seed, first: parts[0].first, last: parts[0].last, apps: parts[0].apps}
	var nl, nt, nb, nm, nf int
	for _, p := range parts {
		nl, nt, nb, nm, nf = nl+len(p.lics), nt+len(p.txns), nb+len(p.billing), nm+len(p.mrr), nf+len(p.feedback)
	}
	m.lics, m.txnRefs, m.txnLic = make([]*genLicense, 0, nl), make([]*Transaction, 0, nt), make([]int, 0, nt)
	m.billing, m.mrr, m.feedback = make([]genBilling, 0, nb), make([]MRRChange, 0, nm), make([]Feedback, 0, nf)
	for _, p := range parts {
		licOff, txnOff := len(m.lics), len(m.txnRefs)
		for _, l := range p.lics {
			l.seq += licOff
			l.firstTxn += txnOff
			if l.evalSeq >= 0 {
				l.evalSeq += licOff
			}
		}
		m.lics = append(m.lics, p.lics...)
		for j := range p.txns {
			m.txnRefs = append(m.txnRefs, &p.txns[j])
		}
		for _, lic := range p.txnLic {
			m.txnLic = append(m.txnLic, lic+licOff)
		}
		for _, b := range p.billing {
			b.lic += licOff
			if b.txn >= 0 {
				b.txn += txnOff
			}
			m.billing = append(m.billing, b)
		}
		for _, c := range p.conversions {
			c.eval, c.lic, c.txn = c.eval+licOff, c.lic+licOff, c.txn+txnOff
			m.conversions = append(m.conversions, c)
		}
		m.mrr = append(m.mrr, p.mrr...)
		m.feedback = append(m.feedback, p.feedback...)
	}
	return m
}

// day generates the births of app a on day d. The day's own stream only
// draws the counts; each birth has a stream of its own, so that how long a
// license's life runs (cut off at the last generated day) cannot shift any
// other license.
func (g *generator) day(a int, d day, rt *dayRates) {
	r := newRand(g.seed, purposeDay, uint64(a), uint64(d))
	var born [3]int // births so far by kind
	for kind, rates := range [...]*[numHostings]float64{kindEvaluation: &rt.evals, kindPaid: &rt.direct, kindFree: &rt.free} {
		for h, rate := range rates {
			for range poisson(r, rate) {
				i := born[kind]
				if i >= maxBirthsPerDay {
					break
				}
				born[kind]++
				num := licenseNumber(a, d, kind, i)
				lr := newRand(g.seed, purposeLicense, num)
				hosting := hostings[h]
				f := g.family(lr, hosting)
				switch kind {
				case kindEvaluation:
					g.evaluation(lr, a, d, num, f, hosting, rt.conv[h])
				case kindPaid:
					g.subscribe(lr, a, d, num, f, hosting, MRRNew)
				case kindFree:
					g.free(lr, a, d, num, f, hosting)
				}
			}
		}
	}
	n := min(poisson(r, rt.feedback), maxBirthsPerDay)
	burst := min(poisson(r, rt.burst), maxBirthsPerDay-n)
	for i := range n + burst {
		g.feedback = append(g.feedback, g.newFeedback(newRand(g.seed, purposeFeedback, uint64(a), uint64(d), uint64(i)), a, d, rt, i >= n))
	}
}

// family draws a new customer site. String building here runs for every
// license, so it avoids fmt and lower-cases nothing at run time.
func (g *generator) family(r *rand.Rand, hosting string) *family {
	c := pick(r, countryWeights)
	w := r.IntN(len(companyWords))
	domain := companyDomains[w] + strconv.Itoa(r.IntN(100)) + ".example"
	f := &family{
		customer: Customer{
			Company:          companyWords[w] + " " + one(r, companySuffixes),
			Country:          c.name,
			Region:           c.region,
			TechnicalContact: contact(r, domain),
			BillingContact:   contact(r, domain),
		},
	}
	if hosting == HostingCloud {
		f.cloudID = uuid(g.seed, purposeLicense, r.Uint64())
		f.hostname = companyDomains[w] + "-" + strconv.Itoa(r.IntN(10000)) + ".atlassian.net"
		f.edition = pick(r, editionWeights)
		host := r.Uint64()
		f.hostEntitlementID = uuid(g.seed, purposeLicense, host)
		f.hostEntitlementNumber = entitlementNumber(host)
		f.transactionAccountID = uuid(g.seed, purposeLicense, ^host)
	} else {
		f.hostSEN = strconv.Itoa(1_000_000 + r.IntN(9_000_000))
	}
	if chance(r, rtbfShare) {
		f.customer.TechnicalContact = Contact{Name: "RTBF", Email: "RTBF", Phone: "RTBF"}
		f.customer.BillingContact = f.customer.TechnicalContact
		if chance(r, 0.3) {
			f.customer.Company = "RTBF"
		}
	}
	if chance(r, partnerShare) {
		name := one(r, partnerNames)
		f.partner = &Partner{
			Name:    name,
			Type:    pick(r, partnerTypeWeights),
			Contact: contact(r, partnerDomains[name]),
		}
	}
	return f
}

// contact draws a person at domain.
func contact(r *rand.Rand, domain string) Contact {
	first, last := r.IntN(len(firstNames)), r.IntN(len(lastNames))
	return Contact{
		Name:  fullNames[first][last],
		Email: emailNames[first][last] + "@" + domain,
		Phone: phoneNumbers[r.IntN(len(phoneNumbers))],
	}
}

// pickTier draws a tier index; Cloud customers skew smaller.
func pickTier(r *rand.Rand, hosting string) int {
	if hosting == HostingCloud {
		return pick(r, cloudTierWeights)
	}
	return pick(r, serverTierWeights)
}

// newLicense starts a license of app a and registers it.
func (g *generator) newLicense(r *rand.Rand, a int, start day, num uint64, f *family, hosting, licenseType string) *genLicense {
	l := &genLicense{app: a, seq: len(g.lics), evalSeq: -1}
	l.AddonKey = g.apps[a].Key
	l.Hosting = hosting
	l.LicenseType = licenseType
	l.Start = start.time()
	l.Customer = f.customer
	l.Partner = f.partner
	l.Evaluation = -1
	l.Channel = one(r, channels)
	l.number = num
	if hosting == HostingCloud {
		e := entitlementNumber(num ^ mix(uint64(g.seed)))
		l.LicenseID, l.AddonLicenseID, l.AppEntitlementNumber = e, e, e
		l.AppEntitlementID = uuid(g.seed, purposeLicense, num)
		l.CloudID, l.CloudSiteHostname = f.cloudID, f.hostname
		l.HostEntitlementID, l.HostEntitlementNumber = f.hostEntitlementID, f.hostEntitlementNumber
		l.TransactionAccountID = f.transactionAccountID
		l.ParentProductEdition = f.edition
		l.AppEdition = pick(r, appEditionWeights)
	} else {
		digits := fmt.Sprintf("%d%06d%d%05d%d", a+1, start, num>>30&3, num>>14&0xffff, num&0x3fff)
		l.LicenseID, l.AddonLicenseID = "SEN-"+digits, digits
		l.HostLicenseID = f.hostSEN
	}
	g.lics = append(g.lics, l)
	return l
}

// evaluation generates an evaluation license, and the subscription it may
// convert to.
func (g *generator) evaluation(r *rand.Rand, a int, d day, num uint64, f *family, hosting string, convProb float64) {
	l := g.newLicense(r, a, d, num, f, hosting, TypeEvaluation)
	l.End = (d + evalDays - 1).time()
	l.Tiers = []TierSpan{{From: l.Start, Tier: evaluationTier, Users: tiers[pickTier(r, hosting)].users}}
	if !chance(r, convProb) {
		return
	}
	c := d + 3 + day(r.IntN(evalDays-3))
	if c > g.last {
		return
	}
	l.ConvertedOn = c.time()
	paid := g.subscribe(r, a, c, num+1, f, hosting, MRRNew)
	paid.evalSeq = l.seq
	if hosting == HostingCloud {
		g.conversions = append(g.conversions, genConversion{
			Conversion: Conversion{AddonKey: l.AddonKey, Date: c.time()},
			eval:       l.seq, lic: paid.seq, txn: paid.firstTxn,
		})
	}
}

// price returns what a period of the tier costs and the vendor's share, in
// cents.
func (g *generator) price(a int, hosting, licenseType string, months, ti int) (purchase, vendor int64) {
	app := &g.apps[a]
	switch {
	case hosting != HostingCloud:
		purchase = app.dcAnnual[ti]
	case months == 1:
		purchase = app.cloudMonthly[ti]
	default:
		purchase = app.cloudMonthly[ti] * 10
	}
	if licenseType == TypeAcademic {
		purchase /= 2
	}
	share := int64(dcVendorPercent)
	if hosting == HostingCloud {
		share = cloudVendorPercent
	}
	return purchase, purchase * share / 100
}

// subscribe generates a paid license starting on d with its whole life:
// the New sale, a possible refund, renewals with tier changes, and the
// cancellation or expiry that ends it. A cancelled Cloud subscription may
// come back later as a reactivation.
func (g *generator) subscribe(r *rand.Rand, a int, d day, num uint64, f *family, hosting, mrrKind string) *genLicense {
	licenseType := TypeCommercial
	if chance(r, academicShare) {
		licenseType = TypeAcademic
	}
	months, period := 12, Annual
	if hosting == HostingCloud && chance(r, cloudMonthlyShare) {
		months, period = 1, Monthly
	}
	ti := pickTier(r, hosting)
	l := g.newLicense(r, a, d, num, f, hosting, licenseType)
	l.periodMonths = months
	cloud := hosting == HostingCloud
	if cloud {
		l.BillingPeriod = period
	}
	l.Tiers = []TierSpan{{From: l.Start, Tier: tiers[ti].name, Users: tiers[ti].users}}
	mrr := func(ti int) int64 {
		_, v := g.price(a, hosting, licenseType, months, ti)
		return v / int64(months)
	}
	l.firstTxn = len(g.txns)
	g.sale(r, l, d, SaleNew, ti, ti)
	if cloud {
		g.mrrChange(a, d, mrrKind, mrr(ti))
	}
	if chance(r, refundProb) {
		l.End = (d.addMonths(months) - 1).time()
		rd := d + 1 + day(r.IntN(20))
		if rd <= g.last {
			g.sale(r, l, rd, SaleRefund, ti, ti)
			l.Cancelled = rd.time()
			if cloud {
				g.mrrChange(a, rd, MRRExpired, -mrr(ti))
			}
		}
		return l
	}
	for k := 1; ; k++ {
		b := d.addMonths(k * months)
		if b > g.last {
			l.End = (b - 1).time()
			return l
		}
		if !chance(r, renewProb(hosting, months, k)) {
			l.End = (b - 1).time()
			if !cloud {
				return l
			}
			l.Cancelled = b.time()
			g.billing = append(g.billing, genBilling{
				BillingEvent: BillingEvent{AddonKey: l.AddonKey, Date: b.time(), BillingPeriod: period},
				lic:          l.seq, txn: -1,
			})
			g.mrrChange(a, b, MRRExpired, -mrr(ti))
			if chance(r, reactivateProb) {
				if rd := b + 10 + day(r.IntN(80)); rd <= g.last {
					g.subscribe(r, a, rd, num+1, f, hosting, MRRReactivated)
				}
			}
			return l
		}
		old := ti
		saleType := SaleRenewal
		switch x := r.Float64(); {
		case x < upgradeProb && ti < len(tiers)-1:
			ti++
			saleType = SaleUpgrade
		case x >= upgradeProb && x < upgradeProb+downgradeProb && ti > 0:
			ti--
		}
		if ti != old {
			l.Tiers = append(l.Tiers, TierSpan{From: b.time(), Tier: tiers[ti].name, Users: tiers[ti].users})
			if cloud {
				kind := MRRExpansion
				if ti < old {
					kind = MRRContraction
				}
				g.mrrChange(a, b, kind, mrr(ti)-mrr(old))
			}
		}
		g.sale(r, l, b, saleType, ti, old)
		if cloud {
			g.billing = append(g.billing, genBilling{
				BillingEvent: BillingEvent{AddonKey: l.AddonKey, Date: b.time(), BillingPeriod: period, Renewed: true},
				lic:          l.seq, txn: len(g.txns) - 1,
			})
		}
	}
}

// sale records a transaction of l on day d. A refund negates the license's
// New sale.
func (g *generator) sale(r *rand.Rand, l *genLicense, d day, saleType string, ti, oldTi int) {
	t := Transaction{
		AddonKey:      l.AddonKey,
		SaleDate:      d.time(),
		SaleType:      saleType,
		Hosting:       l.Hosting,
		LicenseType:   l.LicenseType,
		BillingPeriod: Annual,
		Tier:          tiers[ti].name,
		OldTier:       tiers[oldTi].name,
		ChangeInTier:  "Not Applicable",
		Country:       l.Customer.Country,
		Region:        l.Customer.Region,
		Partner:       partnerDirect,
		PaymentStatus: pick(r, paymentWeights),
	}
	if l.Partner != nil {
		t.Partner = l.Partner.Type
	}
	if l.periodMonths == 1 {
		t.BillingPeriod = Monthly
	}
	switch {
	case ti > oldTi:
		t.ChangeInTier = "Increase"
	case ti < oldTi:
		t.ChangeInTier = "Decrease"
	}
	var purchase, vendor int64
	if saleType == SaleRefund {
		orig := &g.txns[l.firstTxn]
		purchase, vendor = -int64(math.Round(orig.PurchasePrice*100)), -orig.vendorCents
		t.MaintenanceStart, t.MaintenanceEnd = orig.MaintenanceStart, orig.MaintenanceEnd
		t.PaymentStatus = "Refunded"
	} else {
		purchase, vendor = g.price(l.app, l.Hosting, l.LicenseType, l.periodMonths, ti)
		t.MaintenanceStart, t.MaintenanceEnd = d.time(), (d.addMonths(l.periodMonths) - 1).time()
	}
	t.PurchasePrice, t.VendorAmount, t.vendorCents = float64(purchase)/100, float64(vendor)/100, vendor
	prefix := "AT-"
	if l.Hosting == HostingCloud {
		prefix = "IN-"
	}
	id := strconv.FormatUint(streamKey(g.seed, purposeLicense, l.number, uint64(l.txns))%1_000_000_000_000, 10)
	t.TransactionID = prefix + strings.Repeat("0", 12-len(id)) + id
	t.LineItemID = uuid(g.seed, purposeLineItem, l.number, uint64(l.txns))
	l.txns++
	g.txns = append(g.txns, t)
	g.txnLic = append(g.txnLic, l.seq)
}

// mrrChange records an MRR change of app a.
func (g *generator) mrrChange(a int, d day, kind string, cents int64) {
	if cents == 0 {
		return
	}
	g.mrr = append(g.mrr, MRRChange{AddonKey: g.apps[a].Key, Date: d.time(), Kind: kind, Amount: float64(cents) / 100, cents: cents})
}

// free generates a free license (community, open source, demonstration),
// granted a year at a time.
func (g *generator) free(r *rand.Rand, a int, d day, num uint64, f *family, hosting string) {
	types := cloudFreeTypes
	if hosting != HostingCloud {
		types = serverFreeTypes
	}
	l := g.newLicense(r, a, d, num, f, hosting, pick(r, types))
	l.periodMonths = 12
	ti := pickTier(r, hosting)
	l.Tiers = []TierSpan{{From: l.Start, Tier: tiers[ti].name, Users: tiers[ti].users}}
	for k := 1; ; k++ {
		b := d.addMonths(12 * k)
		if b > g.last || !chance(r, freeRenewProb) {
			l.End = (b - 1).time()
			return
		}
	}
}

// newFeedback draws a feedback entry for app a on day d, on a hosting
// weighted by the day's evaluations. A burst entry is an uninstall, mostly
// over bugs.
func (g *generator) newFeedback(r *rand.Rand, a int, d day, rt *dayRates, burst bool) Feedback {
	app := &g.apps[a]
	hosting := app.Hostings[0]
	var total float64
	for _, w := range rt.evals {
		total += w
	}
	if total > 0 {
		x := r.Float64() * total
		for h, w := range rt.evals {
			if x < w {
				hosting = hostings[h]
				break
			}
			x -= w
		}
	}
	types := serverFeedbackTypes
	if hosting == HostingCloud {
		types = cloudFeedbackTypes
	}
	fb := Feedback{
		AddonKey:     app.Key,
		Date:         d.time(),
		Hosting:      hosting,
		Type:         pick(r, types),
		ReasonKey:    pick(r, feedbackReasonWeights),
		AddonVersion: app.Version,
	}
	if burst {
		fb.Type = "uninstall"
		fb.ReasonKey = pick(r, burstReasonWeights)
	}
	fb.Message = one(r, feedbackMessages[fb.ReasonKey])
	if !chance(r, 0.3) {
		c := contact(r, "customer.example")
		fb.FullName, fb.Email = c.Name, c.Email
	}
	id := r.Uint64()
	if hosting == HostingCloud {
		fb.AppEntitlementID = uuid(g.seed, purposeFeedback, id)
		fb.AppEntitlementNumber = entitlementNumber(id)
		fb.CloudID = uuid(g.seed, purposeFeedback, ^id)
	} else {
		fb.LicenseID = fmt.Sprintf("SEN-%d", 1_000_000+id%9_000_000)
		fb.ApplicationVersion = one(r, []string{"9.12.4", "9.17.1", "10.3.2", "8.5.4"})
	}
	return fb
}

// dataset sorts what was generated into a Dataset.
func (g *generator) dataset() *Dataset {
	ds := &Dataset{Apps: g.apps, first: g.first, last: g.last, First: g.first.time(), Last: g.last.time()}
	ds.appIndex = make(map[string]int, len(g.apps))
	for a, app := range g.apps {
		ds.appIndex[app.Key] = a
	}

	// Licenses by start day; seq breaks ties in generation order, which is
	// itself deterministic.
	licOrder := byDate(len(g.lics), func(i int) time.Time { return g.lics[i].Start })
	licIndex := make([]int, len(g.lics))
	for i, j := range licOrder {
		licIndex[g.lics[j].seq] = i
	}
	ds.Licenses = make([]License, len(licOrder))
	ds.Evaluations = make([]Evaluation, 0, len(licOrder)/2)
	for i, j := range licOrder {
		l := g.lics[j]
		ds.Licenses[i] = l.License
		if l.evalSeq >= 0 {
			ds.Licenses[i].Evaluation = licIndex[l.evalSeq]
		}
		if l.LicenseType == TypeEvaluation {
			p := partnerDirect
			if l.Partner != nil {
				p = l.Partner.Type
			}
			ds.Evaluations = append(ds.Evaluations, Evaluation{
				AddonKey: l.AddonKey, Date: l.Start, Hosting: l.Hosting,
				Country: l.Customer.Country, Region: l.Customer.Region, Partner: p, License: i,
			})
		}
	}

	txnOrder := byDate(len(g.txnRefs), func(i int) time.Time { return g.txnRefs[i].SaleDate })
	txnIndex := make([]int, len(g.txnRefs))
	ds.Transactions = make([]Transaction, len(g.txnRefs))
	for i, j := range txnOrder {
		txnIndex[j] = i
		ds.Transactions[i] = *g.txnRefs[j]
		ds.Transactions[i].License = licIndex[g.txnLic[j]]
	}

	ds.Billing = make([]BillingEvent, len(g.billing))
	for i, j := range byDate(len(g.billing), func(i int) time.Time { return g.billing[i].Date }) {
		b := &g.billing[j]
		ds.Billing[i] = b.BillingEvent
		ds.Billing[i].License = licIndex[b.lic]
		ds.Billing[i].Transaction = -1
		if b.txn >= 0 {
			ds.Billing[i].Transaction = txnIndex[b.txn]
		}
	}

	ds.Conversions = make([]Conversion, len(g.conversions))
	for i, j := range byDate(len(g.conversions), func(i int) time.Time { return g.conversions[i].Date }) {
		c := &g.conversions[j]
		ds.Conversions[i] = c.Conversion
		ds.Conversions[i].Evaluation = licIndex[c.eval]
		ds.Conversions[i].License = licIndex[c.lic]
		ds.Conversions[i].Transaction = txnIndex[c.txn]
	}

	ds.MRR = sortedByDate(g.mrr, func(m MRRChange) time.Time { return m.Date })
	ds.Feedback = sortedByDate(g.feedback, func(f Feedback) time.Time { return f.Date })
	return ds
}

// byDate returns the positions 0..n-1 ordered by date, ties in position
// order. Sorting positions rather than the large event structs keeps the
// sort cheap.
func byDate(n int, date func(int) time.Time) []int {
	order := make([]int, n)
	keys := make([]int64, n)
	for i := range order {
		order[i], keys[i] = i, date(i).Unix()
	}
	slices.SortFunc(order, func(x, y int) int { return cmp.Or(cmp.Compare(keys[x], keys[y]), cmp.Compare(x, y)) })
	return order
}

// sortedByDate returns s ordered by date, ties in their original order.
func sortedByDate[T any](s []T, date func(T) time.Time) []T {
	out := make([]T, len(s))
	for i, j := range byDate(len(s), func(i int) time.Time { return date(s[i]) }) {
		out[i] = s[j]
	}
	return out
}
