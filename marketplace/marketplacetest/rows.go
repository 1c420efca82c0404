package marketplacetest

import (
	"strconv"
	"time"
)

// Rows of the reporting lists and exports, written field by field in the
// reference's order (see object). Optional fields are left out when empty,
// as the API leaves them out.

// appendContact writes a contact field unless the contact is empty.
func appendContact(o *object, k string, c Contact) {
	if c == (Contact{}) {
		return
	}
	o.nested(k, func(o *object) {
		o.opt("email", c.Email)
		o.opt("name", c.Name)
		o.opt("phone", c.Phone)
	})
}

// appendContactDetails writes a customer as contactDetails or
// customerDetails.
func appendContactDetails(o *object, k string, c *Customer) {
	o.nested(k, func(o *object) {
		o.opt("company", c.Company)
		o.opt("country", c.Country)
		o.opt("region", c.Region)
		appendContact(o, "technicalContact", c.TechnicalContact)
		appendContact(o, "billingContact", c.BillingContact)
	})
}

// appendPartner writes partnerDetails; direct sales have none.
func appendPartner(o *object, p *Partner) {
	if p == nil {
		return
	}
	o.nested("partnerDetails", func(o *object) {
		o.str("partnerName", p.Name)
		o.str("partnerType", p.Type)
		appendContact(o, "billingContact", p.Contact)
	})
}

func formatDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(dateLayout)
}

// licenseState is a license as of a day: what changes over its life.
type licenseState struct {
	status               string
	maintStart, maintEnd day
	lastUpdated          day
	tier                 TierSpan
}

// stateAt returns l's state on day at.
func stateAt(l *License, at day) licenseState {
	st := licenseState{status: l.StatusAt(at.time()), tier: l.TierAt(at.time())}
	start, end := dayOf(l.Start), dayOf(l.End)
	st.maintStart, st.maintEnd = start, end
	if pm := l.periodMonths; pm > 0 {
		ref := min(at, end)
		// Estimate the period by month arithmetic, then correct for
		// day-of-month overflow; this avoids a loop over every period.
		k := max(0, (monthNumber(ref)-monthNumber(start))/pm)
		for k > 0 && start.addMonths(k*pm) > ref {
			k--
		}
		for start.addMonths((k+1)*pm) <= ref {
			k++
		}
		st.maintStart = start.addMonths(k * pm)
		st.maintEnd = min(start.addMonths((k+1)*pm)-1, end)
	}
	st.lastUpdated = st.maintStart
	if end < at {
		st.lastUpdated = end + 1
	}
	if c := l.Cancelled; !c.IsZero() && dayOf(c) <= at {
		st.lastUpdated = max(st.lastUpdated, dayOf(c))
	}
	return st
}

// appendApp writes the fields naming an app: v3 rows add its product id.
func (c *call) appendApp(o *object, app *App) {
	o.str("addonKey", app.Key)
	o.str("addonName", app.Name)
	if c.v3 {
		o.str("productId", app.ProductID)
	}
}

// appendEntitlements writes the identifiers of a license's app and host
// entitlements that it has.
func appendEntitlements(o *object, l *License) {
	o.opt("appEntitlementId", l.AppEntitlementID)
	o.opt("appEntitlementNumber", l.AppEntitlementNumber)
	o.opt("hostLicenseId", l.HostLicenseID)
	o.opt("hostEntitlementId", l.HostEntitlementID)
	o.opt("hostEntitlementNumber", l.HostEntitlementNumber)
}

// appendLicense writes license i as of the state st. The data-insights
// fields come only with withDataInsights=true.
func (c *call) appendLicense(b []byte, i int, st licenseState, insights bool) []byte {
	l := &c.ds.Licenses[i]
	app := &c.ds.Apps[c.ds.appIndex[l.AddonKey]]
	cloud := l.Hosting == HostingCloud
	o := beginObject(b)
	o.str("addonLicenseId", l.AddonLicenseID)
	appendEntitlements(&o, l)
	o.str("licenseId", l.LicenseID)
	o.opt("cloudId", l.CloudID)
	o.opt("cloudSiteHostname", l.CloudSiteHostname)
	c.appendApp(&o, app)
	o.str("hosting", l.Hosting)
	o.opt("appEdition", l.AppEdition)
	if cloud {
		// v3 renamed the field.
		if c.v3 {
			o.str("newBillingSystem", "Yes")
		} else {
			o.str("isNewBillingSystem", "Yes")
		}
	}
	o.str("lastUpdated", st.lastUpdated.String())
	o.str("licenseType", l.LicenseType)
	o.str("maintenanceStartDate", st.maintStart.String())
	o.str("maintenanceEndDate", st.maintEnd.String())
	o.str("latestMaintenanceStartDate", st.maintStart.String())
	o.str("status", st.status)
	o.str("tier", st.tier.Tier)
	appendContactDetails(&o, "contactDetails", &l.Customer)
	appendPartner(&o, l.Partner)
	if insights {
		o.nested("attribution", func(o *object) { o.opt("channel", l.Channel) })
		o.str("evaluationOpportunitySize", strconv.Itoa(l.Tiers[0].Users))
		evalLicense, days, evalStart, evalEnd, evalSale := "NA", "NA", "NA", "NA", "NA"
		if l.Evaluation >= 0 {
			e := &c.ds.Licenses[l.Evaluation]
			evalLicense, days = e.LicenseID, strconv.Itoa(int(dayOf(l.Start)-dayOf(e.Start)))
			evalStart, evalEnd, evalSale = formatDate(e.Start), formatDate(e.End), formatDate(l.Start)
		}
		o.str("evaluationLicense", evalLicense)
		o.str("daysToConvertEval", days)
		o.str("evaluationStartDate", evalStart)
		o.str("evaluationEndDate", evalEnd)
		o.str("evaluationSaleDate", evalSale)
		switch {
		case cloud:
			o.str("parentProductBillingCycle", "MONTHLY")
			o.str("parentProductName", app.ParentProduct)
			o.opt("parentProductEdition", l.ParentProductEdition)
			o.str("installedOnSandbox", "No")
		default:
			// Non-cloud evaluations report the parent's annual cycle.
			cycle := "NA"
			if l.LicenseType == TypeEvaluation {
				cycle = "ANNUAL"
			}
			o.str("parentProductBillingCycle", cycle)
			o.str("parentProductName", "NA")
			o.str("parentProductEdition", "NA")
			o.str("installedOnSandbox", "NA")
		}
		o.str("licenseSourceType", "Non-Atlassian")
		o.opt("transactionAccountId", l.TransactionAccountID)
		o.str("extendedServerSupport", "NA")
	}
	if cloud {
		o.str("inGracePeriod", "No")
		o.strs("cloudComplianceBoundaries", []string{"commercial"})
		o.str("licenseLevel", "single-instance")
	}
	return o.end()
}

// appendTransaction writes transaction i.
func (c *call) appendTransaction(b []byte, i int) []byte {
	t := &c.ds.Transactions[i]
	l := &c.ds.Licenses[t.License]
	app := &c.ds.Apps[c.ds.appIndex[t.AddonKey]]
	cloud := t.Hosting == HostingCloud
	o := beginObject(b)
	o.str("transactionId", t.TransactionID)
	o.str("transactionLineItemId", t.LineItemID)
	o.str("addonLicenseId", l.AddonLicenseID)
	o.str("licenseId", l.LicenseID)
	appendEntitlements(&o, l)
	o.opt("cloudId", l.CloudID)
	c.appendApp(&o, app)
	o.opt("appEdition", l.AppEdition)
	o.str("lastUpdated", formatDate(t.SaleDate))
	o.str("paymentStatus", t.PaymentStatus)
	if cloud {
		o.str("licenseLevel", "single-instance")
		o.strs("cloudComplianceBoundaries", []string{"commercial"})
	}
	appendContactDetails(&o, "customerDetails", &l.Customer)
	o.nested("purchaseDetails", func(o *object) {
		o.str("saleDate", formatDate(t.SaleDate))
		o.str("licenseType", t.LicenseType)
		o.str("hosting", t.Hosting)
		o.str("billingPeriod", t.BillingPeriod)
		o.str("changeInBillingPeriod", "No")
		o.str("oldBillingPeriod", t.BillingPeriod)
		o.str("tier", t.Tier)
		o.opt("changeInTier", t.ChangeInTier)
		o.opt("oldTier", t.OldTier)
		if cloud {
			o.str("parentProductName", app.ParentProduct)
			o.opt("parentProductEdition", l.ParentProductEdition)
			o.str("changeInParentProductEdition", "No")
			o.opt("oldParentProductEdition", l.ParentProductEdition)
		}
		o.num("purchasePrice", t.PurchasePrice)
		o.num("vendorAmount", t.VendorAmount)
		o.raw("discounts", "[]")
		o.str("saleType", t.SaleType)
		if t.SaleType == SaleRefund {
			o.str("refundReason", "REFUND_CANCELLED_PURCHASE")
		}
		o.str("maintenanceStartDate", formatDate(t.MaintenanceStart))
		o.str("maintenanceEndDate", formatDate(t.MaintenanceEnd))
		if !cloud {
			o.str("paymentTerms", "Net30")
		}
	})
	appendPartner(&o, l.Partner)
	return o.end()
}

// appendFeedback writes feedback entry i.
func (c *call) appendFeedback(b []byte, i int) []byte {
	f := &c.ds.Feedback[i]
	app := &c.ds.Apps[c.ds.appIndex[f.AddonKey]]
	o := beginObject(b)
	c.appendApp(&o, app)
	o.str("addonVersion", f.AddonVersion)
	o.str("applicationKey", applicationKey(app.ParentProduct))
	o.opt("applicationVersion", f.ApplicationVersion)
	o.str("hosting", f.Hosting)
	if f.Hosting == HostingCloud {
		o.str("appEdition", "Standard")
	}
	o.str("date", formatDate(f.Date))
	o.str("feedbackType", f.Type)
	o.str("reasonKey", f.ReasonKey)
	o.str("message", f.Message)
	o.opt("email", f.Email)
	o.opt("fullName", f.FullName)
	o.opt("licenseId", f.LicenseID)
	o.opt("appEntitlementId", f.AppEntitlementID)
	o.opt("appEntitlementNumber", f.AppEntitlementNumber)
	o.opt("cloudId", f.CloudID)
	return o.end()
}

// appendTransition writes a LicenseTransition: the event of license l on
// day d, with transaction t (or -1). v2 nests the license fields in
// licenseDetails; v3 puts them on the event and sends licenseDetails null.
func (c *call) appendTransition(b []byte, l *License, d day, t int) []byte {
	app := &c.ds.Apps[c.ds.appIndex[l.AddonKey]]
	// A cancellation ends the period before the event; a renewal or a
	// conversion starts the period of its transaction.
	start, end := d.addMonths(-l.periodMonths).String(), (d - 1).String()
	o := beginObject(b)
	c.appendApp(&o, app)
	o.str("hosting", l.Hosting)
	o.opt("appEdition", l.AppEdition)
	o.str("lastUpdated", d.String())
	o.str("eventDate", d.String())
	if t >= 0 {
		tx := &c.ds.Transactions[t]
		o.str("transactionId", tx.TransactionID)
		start, end = formatDate(tx.MaintenanceStart), formatDate(tx.MaintenanceEnd)
	}
	o.str("inGracePeriod", "No")
	details := func(o *object) {
		o.str("licenseId", l.LicenseID)
		o.opt("appEntitlementId", l.AppEntitlementID)
		o.opt("appEntitlementNumber", l.AppEntitlementNumber)
		o.opt("cloudId", l.CloudID)
		o.str("maintenanceStartDate", start)
		o.str("maintenanceEndDate", end)
		o.raw("monthsValid", strconv.Itoa(l.periodMonths))
	}
	if c.v3 {
		details(&o)
		o.raw("licenseDetails", "null")
	} else {
		o.nested("licenseDetails", details)
	}
	return o.end()
}

// applicationKey is a parent product's application key.
func applicationKey(product string) string {
	if product == ProductConfluence {
		return "confluence"
	}
	return "jira"
}
