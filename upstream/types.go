package upstream

import (
	"encoding/json"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The client decodes only what the server itself uses from an answer; the
// rest reaches the caller as Result.Raw, exactly as sent. Every reader here
// is total: a field of another kind leaves its zero value (and CheckAnswer's
// warning says which field), never an error.

// Session is what the server reads from the answer of login, verify-email,
// refresh and switch-account: the new bearer token.
type Session struct {
	// AccessToken is "" when the answer carried none the server could read.
	AccessToken string
	// TokenField is where it was: "access_token" (documented) or "token"
	// (accepted by ModelsLab's CLI).
	TokenField string
}

func readSession(a *answer) Session {
	obj, _ := objectFields(a.data)
	for _, f := range []string{"access_token", "token"} {
		if s, ok := stringField(obj, f); ok && s != "" {
			return Session{AccessToken: s, TokenField: f}
		}
	}
	return Session{}
}

// APIKey is what rotate reads from a key: the old key's name and notes, and
// the new key's id and secret.
type APIKey struct {
	// ID is 0 when the answer carried no id readable as an integer (a number
	// or a string of digits).
	ID int64
	// Name is the key's name; HasName is false when the answer had no string name.
	Name    string
	HasName bool
	// Notes is nil for null, absent or not a string; NotesOK is false only
	// when notes were present but not a string or null.
	Notes   *string
	NotesOK bool
	// Key is the secret ("" when absent or not a string): whole only in the
	// answer to create.
	Key string
}

func readAPIKey(a *answer) APIKey {
	obj, _ := objectFields(a.data)
	k := APIKey{NotesOK: true}
	if id, ok := intField(obj, "id"); ok && id > 0 {
		k.ID = id
	}
	k.Name, k.HasName = stringField(obj, "name")
	if raw, ok := obj.get("notes"); ok && kindOf(raw) != KindNull {
		if s, ok := stringField(obj, "notes"); ok {
			k.Notes = &s
		} else {
			k.NotesOK = false
		}
	}
	k.Key, _ = stringField(obj, "key")
	return k
}

// List is a list answer: every item, and what the upstream said about the
// rest. Accepted: a plain array; {"items": [...], "count", "total"}; Laravel's
// paginator ({"data": [...], "total", "current_page", "last_page",
// "per_page", "next_page_url"}, or the same numbers in the envelope's meta
// and a links.next); any other object wrapping arrays (the items of every
// array, in key order).
type List struct {
	Items []json.RawMessage
	// ItemsAt is where the items were, e.g. "data", "data.items", "data.data".
	ItemsAt string
	// Total, Page, LastPage and PerPage are nil when the upstream did not say.
	Total, Page, LastPage, PerPage *int64
	// More is true when the upstream says the list goes on past this answer.
	More bool
	// NextPage is the page number to ask for next (0: not known, or no more).
	NextPage int64
}

func readListAnswer(a *answer) List {
	l, _ := readList(a.path, a.data, a.paging[:], nil)
	return l
}

// readList finds the items and paging of a list answer. paging holds other
// objects that may carry paging numbers (the envelope's meta and links, the
// top level of the body). A shape the contract does not name is a warning.
func readList(path string, data json.RawMessage, paging []json.RawMessage, ws []Warning) (List, []Warning) {
	var l List
	var sourceBuf [1 + len(pagingSources{})]object
	sources := sourceBuf[:0]
	if items, ok := arrayItems(data); ok {
		l.Items, l.ItemsAt = items, "data"
	} else if obj, ok := objectFields(data); ok {
		sources = append(sources, obj)
		if items, ok := arrayItems(obj.val("items")); ok {
			l.Items, l.ItemsAt = items, "data.items" // the contract's second list shape
		} else {
			ws = addWarning(ws, Warning{Path: path, Field: "data", Expected: KindArray, Got: KindObject})
			if items, ok := arrayItems(obj.val("data")); ok {
				l.Items, l.ItemsAt = items, "data.data"
			} else {
				var keys []string
				for _, k := range obj.keys() {
					if kindOf(obj.val(k)) == KindArray {
						keys = append(keys, k)
					}
				}
				sort.Strings(keys)
				for _, k := range keys {
					items, _ := arrayItems(obj.val(k))
					l.Items = append(l.Items, items...)
				}
				switch len(keys) {
				case 0:
					l.ItemsAt = "data"
				case 1:
					l.ItemsAt = "data." + keys[0]
				default:
					l.ItemsAt = "data.{" + strings.Join(keys, ",") + "}"
				}
			}
		}
	} else {
		ws = addWarning(ws, Warning{Path: path, Field: "data", Expected: KindArray, Got: kindOf(data)})
		l.ItemsAt = "data"
	}
	for _, p := range paging {
		if obj, ok := objectFields(p); ok {
			sources = append(sources, obj)
		}
	}
	var next string
	hasMore, noMore := false, false // has_more said so (an offset-paged list says nothing else)
	for _, src := range sources {
		var v [len(pagingNames)]json.RawMessage
		var has [len(pagingNames)]bool
		src.lookup(pagingNames[:], v[:], has[:])
		setInt(&l.Total, v[0], has[0])
		setInt(&l.Page, v[1], has[1])
		setInt(&l.LastPage, v[2], has[2])
		setInt(&l.PerPage, v[3], has[3])
		if s, ok := stringValue(v[4], has[4]); ok && s != "" && next == "" {
			next = s
		}
		if s, ok := stringValue(v[5], has[5]); ok && s != "" && next == "" {
			next = s // links.next of a Laravel resource collection
		}
		switch string(v[6]) { // a value split from valid JSON has no white space around it
		case "true":
			hasMore = true
		case "false":
			noMore = true
		}
	}
	n := int64(len(l.Items))
	switch {
	case next != "" || hasMore:
		l.More = true
	case noMore:
	case l.Page != nil && l.LastPage != nil:
		l.More = *l.Page < *l.LastPage
	case l.Total != nil && l.Page == nil:
		l.More = *l.Total > n
	}
	if l.More {
		switch {
		case l.Page != nil:
			l.NextPage = *l.Page + 1
		case next != "":
			if u, err := url.Parse(next); err == nil {
				if p, err := strconv.ParseInt(u.Query().Get("page"), 10, 64); err == nil && p > 0 {
					l.NextPage = p
				}
			}
		}
	}
	return l, ws
}

// pagingNames are the members readList reads from each paging source, in the
// order of its lookup.
var pagingNames = [...]string{"total", "current_page", "last_page", "per_page", "next_page_url", "next", "has_more"}

func setInt(dst **int64, raw json.RawMessage, present bool) {
	if *dst != nil {
		return
	}
	// Not "if v, ok := ...; ok { *dst = &v }": v would be moved to the heap on
	// every call, present or not.
	v, ok := intValue(raw, present)
	if ok {
		p := new(int64)
		*p = v
		*dst = p
	}
}

// stringField reads a string field; ok is false when absent or another kind.
func stringField(obj object, key string) (string, bool) {
	return stringValue(obj.get(key))
}

// stringValue reads a string value; ok is false when absent or another kind.
func stringValue(raw json.RawMessage, present bool) (string, bool) {
	if !present || kindOf(raw) != KindString {
		return "", false
	}
	return unquote(raw)
}

// unquote decodes a JSON string; one allocation when it has no escapes.
func unquote(raw json.RawMessage) (string, bool) {
	if n := len(raw); n >= 2 && raw[0] == '"' && raw[n-1] == '"' {
		plain := raw[1 : n-1]
		simple := utf8.Valid(plain)
		for _, c := range plain {
			if c < 0x20 || c == '\\' || c == '"' {
				simple = false
				break
			}
		}
		if simple {
			return string(plain), true
		}
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

// intField reads an integer given as a JSON number or as a string of digits.
func intField(obj object, key string) (int64, bool) {
	return intValue(obj.get(key))
}

// intValue reads an integer given as a JSON number or as a string of digits.
func intValue(raw json.RawMessage, present bool) (int64, bool) {
	if !present {
		return 0, false
	}
	var s string
	switch kindOf(raw) {
	case KindNumber:
		s = string(raw)
	case KindString:
		var ok bool
		if s, ok = unquote(raw); !ok {
			return 0, false
		}
		s = strings.TrimSpace(s)
	default:
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, false
	}
	return n, true
}

// Checkout is what the server reads from a money answer that may send a
// person to a Stripe Checkout page (payment-link, fund and subscription
// create) or may need 3-D Secure. Result.Raw keeps the whole answer.
type Checkout struct {
	// URL is the page to send the person to ("" when the answer had none: a
	// charge made at once with a card). URLField says where it was, e.g.
	// "data.payment_url", "data.checkout.checkout_url".
	URL, URLField string
	// SessionID is the Checkout session (cs_…) that confirm-checkout takes.
	SessionID string
	// Replay is true for the first answer to the same Idempotency-Key again.
	Replay bool
	// RequiresAction is true for a 3-D Secure answer (HTTP 202, or a payment
	// status "requires_action"): nothing was charged yet.
	RequiresAction bool
	// PaymentIntentID is the payment intent (pi_…) the answer named, if any.
	PaymentIntentID string
}

// checkoutURLFields are the names a Checkout URL goes by: payment_url
// (payment-link), checkout_url (subscription create), url (tolerated).
var checkoutURLFields = [...]string{"payment_url", "checkout_url", "url"}

func readCheckout(a *answer) Checkout {
	co := Checkout{Replay: a.replay, RequiresAction: a.status == 202}
	top, _ := objectFields(a.data)
	// Where the fields may be: the data itself, or an object below it.
	type place struct {
		at  string
		obj object
	}
	places := []place{{"data", top}}
	for _, k := range []string{"checkout", "payment"} {
		if sub, ok := objectFields(top.val(k)); ok {
			places = append(places, place{"data." + k, sub})
		}
	}
	for _, p := range places {
		for _, f := range checkoutURLFields {
			if s, ok := stringField(p.obj, f); ok && s != "" && co.URL == "" {
				co.URL, co.URLField = s, p.at+"."+f
			}
		}
		if s, ok := stringField(p.obj, "session_id"); ok && s != "" && co.SessionID == "" {
			co.SessionID = s
		}
		if s, ok := stringField(p.obj, "payment_intent_id"); ok && s != "" && co.PaymentIntentID == "" {
			co.PaymentIntentID = s
		}
		if s, ok := stringField(p.obj, "status"); ok && s == "requires_action" {
			co.RequiresAction = true
		}
	}
	return co
}
