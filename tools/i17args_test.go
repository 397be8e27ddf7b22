package tools

// I17ValidArgs holds valid arguments for every action of the issue-17 tools,
// using every parameter at least once: the good cases of the validator, the
// fault matrix and the mapping tests all read it.
var I17ValidArgs = map[string]map[string]map[string]any{
	"agent-usage": {
		"summary":  {},
		"products": {},
		"history":  {"from": "2026-01-01", "to": "2026-01-31", "limit": 50},
	},
	"agent-models": {
		"search": {"search": "flux", "feature": "imagen", "provider": "black-forest-labs", "model_type": "image", "model_subcategory": "text-to-image",
			"base_model": "flux", "tags": "anime,realistic", "sort": "newest", "per_page": 20, "page": 2},
		"filters":   {},
		"tags":      {},
		"providers": {},
		"detail":    {"model_id": "flux"},
	},
	"agent-billing": {
		"overview":                   {},
		"payment-methods":            {},
		"add-payment-method":         {"payment_method_id": "pm_sandbox_visa_4242", "make_default": false},
		"set-default-payment-method": {"payment_method_id": "pm_sandbox_visa_4242"},
		"remove-payment-method":      {"payment_method_id": "pm_sandbox_visa_4242", "idempotency_key": "remove-card-20260101-abc"},
		"billing-info":               {},
		"update-billing-info": {"name": "Ada Ltd", "email": "billing@example.test", "tax_id": "DE123456789", "tax_id_type": "eu_vat",
			"address_line1": "1 Main St", "address_line2": "Floor 2", "address_city": "Berlin", "address_state": "BE",
			"address_postal_code": "10115", "address_country": "DE"},
		"invoices":       {"page": 2},
		"invoice-detail": {"invoice_id": "in_sandbox_0001"},
		"invoice-pdf":    {"invoice_id": "in_sandbox_0001"},
		"stripe-config":  {},
		"setup-intent":   {},
		"payment-link":   {"purpose": "fund", "amount": 25},
	},
	"agent-wallet": {
		"fund":                 {"amount": 25, "payment_method_id": "pm_sandbox_visa_4242"},
		"auto-funding":         {"auto_charge_amount": 20, "charge_threshold": 5},
		"disable-auto-funding": {},
		"withdraw":             {"amount": 10},
		"validate-coupon":      {"coupon_code": "WELCOME10", "purchase_amount": 25},
		"redeem-coupon":        {"coupon_code": "WELCOME10", "idempotency_key": "redeem-20260101-abc"},
		"balance":              {},
		"transactions":         {"type": "credit", "limit": 20, "offset": 0},
		"confirm-checkout":     {"session_id": "cs_sandbox_0001"},
		"payment-status":       {"payment_intent_id": "pi_sandbox_0001"},
	},
	"agent-subscriptions": {
		"list-plans":       {},
		"list":             {},
		"create":           {"plan_id": 2, "payment_method_id": "pm_sandbox_visa_4242", "success_url": "https://example.test/ok", "cancel_url": "https://example.test/no"},
		"update":           {"subscription_id": 1, "new_plan_id": 3},
		"pause":            {"subscription_id": 1},
		"resume":           {"subscription_id": 1},
		"reset-cycle":      {"subscription_id": 1},
		"charge-amount":    {"amount": 20, "plan_category": "normal", "stripe_subscription_id": "sub_sandbox_0001"},
		"fix-payment":      {"subscription_id": 1, "idempotency_key": "fix-20260101-abc"},
		"status":           {"subscription_id": 1},
		"confirm-checkout": {"session_id": "cs_sandbox_0002"},
	},
}

func init() {
	goodCases = append(goodCases, goodCase{tool: "agent-billing", args: map[string]any{"action": "payment-link", "purpose": "subscribe", "plan_id": 2}})
	for tool, acts := range I17ValidArgs {
		for action, args := range acts {
			m := map[string]any{"action": action}
			for k, v := range args {
				m[k] = v
			}
			goodCases = append(goodCases, goodCase{tool: tool, args: m})
		}
	}
}
