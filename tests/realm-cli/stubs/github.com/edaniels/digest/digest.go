// Package digest stands in for github.com/edaniels/digest when realm-cli is built
// by tests/realm-cli/build.sh: Debian has no package for it. realm-cli uses only
// NewTransport and *Transport (as an http.RoundTripper) to call the Atlas API
// (GET /api/public/v1.0/groups) with HTTP Digest authentication, username = public
// API key, password = private API key. This is an RFC 2617 client: MD5 or
// MD5-sess, qop=auth (or no qop, RFC 2069 style); on a 401 carrying a
// `WWW-Authenticate: Digest` challenge it retries the request once, with an
// Authorization header, replaying the body. Written for guestpass; no code taken
// from the original package.
package digest

import (
	"bytes"
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Transport is an http.RoundTripper that answers Digest challenges.
type Transport struct {
	Username  string
	Password  string
	Transport http.RoundTripper // the transport that sends; nil means http.DefaultTransport
}

// NewTransport returns a Transport that authenticates as username/password.
func NewTransport(username, password string) *Transport {
	return &Transport{Username: username, Password: password}
}

// newCnonce returns the client nonce; a variable so that tests can fix it.
var newCnonce = func() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// RoundTrip sends req; on a Digest challenge it sends it once more, authenticated.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	// The body may have to be sent twice: use GetBody when the request has one,
	// otherwise read it into memory. Either way each try sends its own copy.
	getBody, length := req.GetBody, req.ContentLength
	if req.Body != nil && req.Body != http.NoBody {
		if getBody == nil {
			buf, err := io.ReadAll(req.Body)
			req.Body.Close()
			if err != nil {
				return nil, err
			}
			getBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(buf)), nil }
			length = int64(len(buf))
		} else {
			req.Body.Close()
		}
	}
	send := func(authorization string) (*http.Response, error) {
		r := req.Clone(req.Context()) // a RoundTripper must not change the caller's request
		if getBody != nil {
			body, err := getBody()
			if err != nil {
				return nil, err
			}
			r.Body, r.ContentLength = body, length
		}
		if authorization != "" {
			r.Header.Set("Authorization", authorization)
		}
		return base.RoundTrip(r)
	}

	res, err := send("")
	if err != nil || res.StatusCode != http.StatusUnauthorized {
		return res, err
	}
	challenge := parseChallenge(res.Header.Values("WWW-Authenticate"))
	if challenge == nil {
		return res, nil
	}
	authorization, ok := authorize(challenge, t.Username, t.Password, req.Method, req.URL.RequestURI(), newCnonce())
	if !ok {
		return res, nil // a challenge this client cannot answer (other algorithm, auth-int only)
	}
	io.Copy(io.Discard, io.LimitReader(res.Body, 1<<16)) // let the connection be reused
	res.Body.Close()
	return send(authorization)
}

// parseChallenge returns the parameters of the first Digest challenge, keys in lower case.
func parseChallenge(headers []string) map[string]string {
	for _, h := range headers {
		scheme, rest, _ := strings.Cut(strings.TrimSpace(h), " ")
		if !strings.EqualFold(scheme, "Digest") {
			continue
		}
		params := map[string]string{}
		for rest = strings.TrimSpace(rest); rest != ""; rest = strings.TrimLeft(rest, " \t,") {
			var key, value string
			key, rest, _ = strings.Cut(rest, "=")
			rest = strings.TrimLeft(rest, " \t")
			if strings.HasPrefix(rest, `"`) { // quoted-string, with backslash escapes
				var b strings.Builder
				i := 1
				for ; i < len(rest) && rest[i] != '"'; i++ {
					if rest[i] == '\\' && i+1 < len(rest) {
						i++
					}
					b.WriteByte(rest[i])
				}
				value, rest = b.String(), strings.TrimPrefix(rest[i:], `"`)
			} else { // token
				end := strings.IndexByte(rest, ',')
				if end < 0 {
					end = len(rest)
				}
				value, rest = strings.TrimSpace(rest[:end]), rest[end:]
			}
			params[strings.ToLower(strings.TrimSpace(key))] = value
		}
		return params
	}
	return nil
}

func md5hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// authorize builds the Authorization header value of RFC 2617 section 3.2.2 for one
// request (nc is always 00000001: each challenge is answered once).
func authorize(c map[string]string, username, password, method, uri, cnonce string) (string, bool) {
	realm, nonce, algorithm := c["realm"], c["nonce"], c["algorithm"]
	const nc = "00000001"
	ha1 := md5hex(username + ":" + realm + ":" + password)
	switch strings.ToUpper(algorithm) {
	case "", "MD5":
	case "MD5-SESS":
		ha1 = md5hex(ha1 + ":" + nonce + ":" + cnonce)
	default:
		return "", false
	}
	ha2 := md5hex(method + ":" + uri)
	qop := ""
	if offered, ok := c["qop"]; ok {
		for _, q := range strings.Split(offered, ",") {
			if strings.TrimSpace(q) == "auth" {
				qop = "auth"
			}
		}
		if qop == "" {
			return "", false
		}
	}
	var response string
	if qop == "" {
		response = md5hex(ha1 + ":" + nonce + ":" + ha2)
	} else {
		response = md5hex(ha1 + ":" + nonce + ":" + nc + ":" + cnonce + ":" + qop + ":" + ha2)
	}
	h := fmt.Sprintf("Digest username=%s, realm=%s, nonce=%s, uri=%s, response=%s",
		quote(username), quote(realm), quote(nonce), quote(uri), quote(response))
	if algorithm != "" {
		h += ", algorithm=" + algorithm
	}
	if opaque, ok := c["opaque"]; ok {
		h += ", opaque=" + quote(opaque)
	}
	if qop != "" {
		h += fmt.Sprintf(", qop=%s, nc=%s, cnonce=%s", qop, nc, quote(cnonce))
	}
	return h, true
}
