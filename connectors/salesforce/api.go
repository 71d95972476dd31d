package salesforce

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/connectors/internal/connconfig"
	"github.com/plaudit/plaudit/connectors/internal/note"
	"github.com/plaudit/plaudit/internal/httpx"
)

// MaxCommentBody is the most a CaseComment's CommentBody may hold.
const MaxCommentBody = 4000

// token is an OAuth access token with the instance it is valid for.
type token struct {
	access   string
	instance string
}

// jwtBearerGrant is the grant type of the OAuth 2.0 JWT bearer flow.
const jwtBearerGrant = "urn:ietf:params:oauth:grant-type:jwt-bearer"

// accessToken returns the cached token, or gets one. Callers that find a
// token refused hand it to dropToken; concurrent callers then share one
// new token rather than each fetching their own. On failure it returns the
// token endpoint's HTTP status (0 when no answer came).
func (c *Client) accessToken(ctx context.Context) (*token, int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tok != nil {
		return c.tok, 0, nil
	}
	t, status, err := c.fetchToken(ctx)
	if err != nil {
		return nil, status, err
	}
	c.tok = t
	return t, status, nil
}

func (c *Client) dropToken(t *token) {
	c.mu.Lock()
	if c.tok == t {
		c.tok = nil
	}
	c.mu.Unlock()
}

// fetchToken asks the token endpoint for a token: the JWT bearer flow
// when a private key is configured, the client-credentials flow otherwise.
func (c *Client) fetchToken(ctx context.Context) (*token, int, error) {
	a, err := c.postToken(ctx)
	if err != nil {
		return nil, 0, err
	}
	if err := classifyToken(a); err != nil {
		return nil, a.status, err
	}
	t, err := parseToken(a.body)
	return t, a.status, err
}

// tokenAnswer is the token endpoint's answer.
type tokenAnswer struct {
	status int
	header http.Header
	body   []byte
}

// postToken sends the token request of the configured flow. The error is
// for a request that got no answer.
func (c *Client) postToken(ctx context.Context) (tokenAnswer, error) {
	form := url.Values{}
	if c.key != nil {
		assertion, err := c.assertion()
		if err != nil {
			return tokenAnswer{}, fmt.Errorf("salesforce: sign JWT: %w", err)
		}
		form.Set("grant_type", jwtBearerGrant)
		form.Set("assertion", assertion)
	} else {
		form.Set("grant_type", "client_credentials")
		form.Set("client_id", c.cfg.ClientID)
		form.Set("client_secret", c.clientSecret)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.cfg.LoginURL+"/services/oauth2/token", strings.NewReader(form.Encode()))
	if err != nil {
		return tokenAnswer{}, fmt.Errorf("salesforce: token request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return tokenAnswer{}, httpx.TransportError("salesforce", "token request", err)
	}
	return tokenAnswer{status: resp.StatusCode, header: resp.Header, body: httpx.ReadBody(resp)}, nil
}

// parseToken reads a token answer's access_token and instance_url.
func parseToken(answer []byte) (*token, error) {
	var tr struct {
		AccessToken string `json:"access_token"`
		InstanceURL string `json:"instance_url"`
	}
	if err := json.Unmarshal(answer, &tr); err != nil || tr.AccessToken == "" || tr.InstanceURL == "" {
		return nil, fmt.Errorf("salesforce: token answer lacks access_token or instance_url")
	}
	// The bearer token goes to instance_url: it must be https (or
	// loopback in development), whatever the answer says.
	instance, err := connconfig.APIURL("instance_url", tr.InstanceURL)
	if err != nil {
		return nil, plaudit.Permanent("salesforce: token answer has an instance_url that is not https", fmt.Errorf("salesforce: instance_url: %w", err))
	}
	return &token{access: tr.AccessToken, instance: instance}, nil
}

// assertion builds the JWT of the bearer flow: RS256 over
// {iss: client_id, sub: username, aud: login_url, exp: now+3min}.
func (c *Client) assertion() (string, error) {
	enc := base64.RawURLEncoding
	header := enc.EncodeToString([]byte(`{"alg":"RS256","typ":"JWT"}`))
	claims, err := json.Marshal(struct {
		Iss string `json:"iss"`
		Sub string `json:"sub"`
		Aud string `json:"aud"`
		Exp int64  `json:"exp"`
	}{c.cfg.ClientID, c.cfg.Username, c.cfg.LoginURL, c.now().Add(3 * time.Minute).Unix()})
	if err != nil {
		return "", err
	}
	signingInput := header + "." + enc.EncodeToString(claims)
	sum := sha256.Sum256([]byte(signingInput))
	sig, err := rsa.SignPKCS1v15(rand.Reader, c.key, crypto.SHA256, sum[:])
	if err != nil {
		return "", err
	}
	return signingInput + "." + enc.EncodeToString(sig), nil
}

// Writeback sets the configured Case fields (score, comment), then adds
// the response as a private CaseComment. The field update goes first
// because it can be repeated safely: when the comment fails and the task
// is retried, the case does not end up with two comments.
func (c *Client) Writeback(ctx context.Context, w plaudit.Writeback) error {
	_, err := c.WritebackStatus(ctx, w)
	return err
}

// WritebackStatus is Writeback that also returns the HTTP status of the
// last call made (the CaseComment's 201 on success; the refusing call's
// status on failure; 0 when no answer came), for the connector's delivery
// log.
func (c *Client) WritebackStatus(ctx context.Context, w plaudit.Writeback) (int, error) {
	caseID := note.TicketID(w)
	if !idRE.MatchString(caseID) {
		return 0, plaudit.Permanent("salesforce: case id is not valid", fmt.Errorf("salesforce: writeback: case id is not a Salesforce id"))
	}
	fields := map[string]any{}
	if c.cfg.RatingField != "" && w.Response.Score > 0 {
		fields[c.cfg.RatingField] = w.Response.Score
	}
	if c.cfg.CommentField != "" && strings.TrimSpace(w.Response.Comment) != "" {
		fields[c.cfg.CommentField] = w.Response.Comment
	}
	if len(fields) > 0 {
		if status, err := c.rest(ctx, http.MethodPatch, "/sobjects/Case/"+caseID, fields, "update case"); err != nil {
			return status, err
		}
	}
	comment := struct {
		ParentID    string `json:"ParentId"`
		CommentBody string `json:"CommentBody"`
		IsPublished bool   `json:"IsPublished"`
	}{caseID, note.CutUTF8(note.Text(w), MaxCommentBody), false}
	return c.rest(ctx, http.MethodPost, "/sobjects/CaseComment", comment, "add case comment")
}

// rest makes one REST call under /services/data/{version} and returns the
// HTTP status of the answer (or of the token endpoint's, when no token
// could be had). A 401 means the session ended (INVALID_SESSION_ID): the
// token is dropped and the call made once more with a new one.
func (c *Client) rest(ctx context.Context, method, path string, payload any, op string) (int, error) {
	body, err := json.Marshal(payload)
	if err != nil {
		return 0, fmt.Errorf("salesforce: %s: %w", op, err)
	}
	for attempt := 0; ; attempt++ {
		tok, status, err := c.accessToken(ctx)
		if err != nil {
			return status, err
		}
		req, err := c.restRequest(ctx, tok, method, path, bytes.NewReader(body))
		if err != nil {
			return 0, fmt.Errorf("salesforce: %s: %w", op, err)
		}
		resp, err := c.http.Do(req)
		if err != nil {
			return 0, httpx.TransportError("salesforce", op, err)
		}
		answer := httpx.ReadBody(resp)
		if resp.StatusCode == http.StatusUnauthorized && attempt == 0 {
			c.dropToken(tok)
			continue
		}
		return resp.StatusCode, classify(op, resp, answer)
	}
}

// restRequest is a REST request under /services/data/{version} with tok.
func (c *Client) restRequest(ctx context.Context, tok *token, method, path string, body io.Reader) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, tok.instance+"/services/data/"+c.cfg.APIVersion+path, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+tok.access)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}

// retryableCodes are REST error codes of 4xx answers that a later try can
// get past.
var retryableCodes = map[string]bool{
	"UNABLE_TO_LOCK_ROW": true, "SERVER_UNAVAILABLE": true, "REQUEST_RUNNING_TOO_LONG": true,
	"QUERY_TIMEOUT": true,
}

// classify turns a REST answer into Plaudit's error contract (see
// httpx.Classify), with what Salesforce adds to it: a spent API limit
// (REQUEST_LIMIT_EXCEEDED, a 403) and any 503 are waited out like a 429,
// row locks and the like are retried, and a refusal's reason names
// Salesforce's errorCode. Salesforce's messages are not kept: they quote
// field values.
func classify(op string, resp *http.Response, answer []byte) error {
	status := resp.StatusCode
	if status >= 200 && status < 300 {
		return nil
	}
	code := errorCode(answer)
	base := fmt.Errorf("salesforce: %s: status %d %s", op, status, code)
	reason := fmt.Sprintf("%s rejected (%d)", op, status)
	switch {
	case status == http.StatusServiceUnavailable || code == "REQUEST_LIMIT_EXCEEDED":
		return unavailable(resp.Header.Get("Retry-After"), base)
	case retryableCodes[code]:
		return base
	case status == http.StatusUnauthorized:
		reason = "authentication failed (401 " + or(code, "INVALID_SESSION_ID") + ")"
	case code != "":
		reason = fmt.Sprintf("%s rejected (%d %s)", op, status, code)
	}
	return httpx.Classify("salesforce", status, resp.Header.Get("Retry-After"), base, reason)
}

// classifyToken does the same for the token endpoint, whose errors are
// {"error":"invalid_grant","error_description":…}.
func classifyToken(a tokenAnswer) error {
	if a.status >= 200 && a.status < 300 {
		return nil
	}
	code := oauthError(a.body)
	base := fmt.Errorf("salesforce: token request: status %d %s", a.status, code)
	if a.status == http.StatusServiceUnavailable {
		return unavailable(a.header.Get("Retry-After"), base)
	}
	reason := fmt.Sprintf("token request rejected (%d)", a.status)
	if code != "" {
		reason = fmt.Sprintf("token request rejected (%s)", code)
	}
	return httpx.Classify("salesforce", a.status, a.header.Get("Retry-After"), base, reason)
}

// oauthError reads the error code of a token endpoint's refusal.
func oauthError(answer []byte) string {
	var e struct {
		Error string `json:"error"`
	}
	_ = json.Unmarshal(answer, &e)
	return httpx.SafeCode(e.Error)
}

// unavailable is a RetryAfterError for an answer that says Salesforce
// cannot take more now, with or without Retry-After: hammering an org
// whose limits are spent only spends them further.
func unavailable(retryAfter string, base error) error {
	return &plaudit.RetryAfterError{After: httpx.RetryAfter(retryAfter, time.Now()), Err: base}
}

// errorCode reads the first errorCode of a REST error answer:
// [{"message":…,"errorCode":"ENTITY_IS_DELETED","fields":[]}].
func errorCode(answer []byte) string {
	var list []struct {
		ErrorCode string `json:"errorCode"`
	}
	if json.Unmarshal(answer, &list) == nil && len(list) > 0 {
		return httpx.SafeCode(list[0].ErrorCode)
	}
	var one struct {
		ErrorCode string `json:"errorCode"`
	}
	if json.Unmarshal(answer, &one) == nil {
		return httpx.SafeCode(one.ErrorCode)
	}
	return ""
}
