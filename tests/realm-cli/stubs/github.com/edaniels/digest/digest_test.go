package digest

import (
	"crypto/md5"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// The worked example of RFC 2617 section 3.5.
func TestRFC2617Example(t *testing.T) {
	c := parseChallenge([]string{`Digest realm="testrealm@host.com", qop="auth,auth-int", ` +
		`nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"`})
	h, ok := authorize(c, "Mufasa", "Circle Of Life", "GET", "/dir/index.html", "0a4f113b")
	if !ok {
		t.Fatal("challenge not answered")
	}
	for _, want := range []string{`username="Mufasa"`, `uri="/dir/index.html"`, `qop=auth`, `nc=00000001`,
		`cnonce="0a4f113b"`, `response="6629fae49393a05397450978507c4ef1"`, `opaque="5ccc069c403ebaf9f0171e9517f40e41"`} {
		if !strings.Contains(h, want) {
			t.Errorf("Authorization %q lacks %s", h, want)
		}
	}
}

func hexmd5(s string) string { s2 := md5.Sum([]byte(s)); return hex.EncodeToString(s2[:]) }

// A server that challenges, then checks the answer with its own computation; the
// POST body (whose request has no GetBody) must arrive whole on both tries.
func TestTransportAgainstServer(t *testing.T) {
	const realm, nonce, user, pass, body = "MMS Public API", "n0nce+/=", "pub", "priv", `{"a":"b"}`
	tries, expectBad := 0, false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tries++
		if got, _ := io.ReadAll(r.Body); string(got) != body {
			t.Errorf("try %d: body %q", tries, got)
		}
		auth := r.Header.Get("Authorization")
		if auth == "" {
			w.Header().Add("WWW-Authenticate", `Basic realm="other"`)
			w.Header().Add("WWW-Authenticate", `Digest realm="`+realm+`", domain="", nonce="`+nonce+`", algorithm=MD5, qop="auth", stale=false`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		p := parseChallenge([]string{auth})
		ha1 := hexmd5(user + ":" + realm + ":" + pass)
		ha2 := hexmd5(r.Method + ":" + r.URL.RequestURI())
		want := hexmd5(ha1 + ":" + nonce + ":" + p["nc"] + ":" + p["cnonce"] + ":auth:" + ha2)
		if p["username"] != user || p["uri"] != "/api/public/v1.0/groups?x=1" || p["qop"] != "auth" ||
			p["nc"] != "00000001" || len(p["cnonce"]) < 8 || p["response"] != want {
			if !expectBad {
				t.Errorf("bad Authorization %q (want response %s)", auth, want)
			}
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Write([]byte("ok"))
	}))
	defer srv.Close()

	client := &http.Client{Transport: NewTransport(user, pass)}
	req, _ := http.NewRequest("POST", srv.URL+"/api/public/v1.0/groups?x=1", struct{ io.Reader }{strings.NewReader(body)})
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || string(got) != "ok" || tries != 2 {
		t.Fatalf("status %d body %q after %d tries", res.StatusCode, got, tries)
	}

	// Wrong password: one retry only, and the second 401 comes back to the caller.
	tries, expectBad = 0, true
	client.Transport = NewTransport(user, "wrong")
	req, _ = http.NewRequest("POST", srv.URL+"/api/public/v1.0/groups?x=1", strings.NewReader(body))
	res, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized || tries != 2 {
		t.Fatalf("status %d after %d tries", res.StatusCode, tries)
	}
}
