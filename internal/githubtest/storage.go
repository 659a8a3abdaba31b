package githubtest

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The storage the API redirects asset downloads to plays S3 serving a
// pre-signed URL, as github.com's objects.githubusercontent.com did: the URL
// alone authorizes the request, for a few minutes.
const (
	// storageBucket is the first segment of every object's path, as in
	// github.com's Locations.
	storageBucket = "github-production-release-asset-2e65be"
	// storageLinkLifetime is X-Amz-Expires in github.com's Locations.
	storageLinkLifetime = 300 * time.Second
	amzDateFormat       = "20060102T150405Z"
)

// storedObject is an asset as storage knows it, or anything else storage
// serves the way it serves an asset (an archive, a job's log).
type storedObject struct {
	repo  *repository
	asset *asset
}

// downloadFault changes how storage answers a download of the asset
// called name: it cuts the body (cut), redirects (redirect), or serves
// other bytes (corrupt). A cut or a redirect is used up by the download it
// changes; a corruption stays.
type downloadFault struct {
	name string
	// cut, when set, stops the body after after bytes.
	cut   bool
	after int64
	// redirect, when set, answers 302 Found to location instead; an
	// empty location is the download's own URL again.
	redirect bool
	location string
	// corrupt serves the bytes with the first one changed.
	corrupt bool
}

// FailDownloadAfter makes the next download of an asset called name (as
// GitHub named it) from storage stop after n bytes of its body, as a
// connection that breaks mid-download does: the client reads n bytes, then
// an unexpected EOF. Later downloads are whole again.
func (s *Server) FailDownloadAfter(name string, n int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.downloadFaults = append(s.downloadFaults, downloadFault{name: name, cut: true, after: n})
}

// RedirectDownloads makes the next n downloads of an asset called name
// from storage answer 302 Found to location instead of the bytes, as a
// storage host that sends its client on: to another host (GitHub's API, say,
// where a careless client sends its token), or, with location "", to the
// download's own URL again, so that n of them in a row are a chain of n
// redirects before the bytes. The API's redirect to storage is unchanged.
func (s *Server) RedirectDownloads(name, location string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.downloadFaults = append(s.downloadFaults, downloadFault{name: name, redirect: true, location: location})
	}
}

// CorruptDownloads makes storage serve the asset called name, from now on,
// with its first byte changed: as many bytes as GitHub lists, but not the
// digest it lists for them, as when storage holds something else than what
// was uploaded. The asset's listing, its digest included, is unchanged.
func (s *Server) CorruptDownloads(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.downloadFaults = append(s.downloadFaults, downloadFault{name: name, corrupt: true})
}

// takeDownloadFault returns what the faults for a download of name make of
// it: the first cut or redirect queued, which it removes, and whether the
// bytes are corrupt. The caller holds s.mu.
func (s *Server) takeDownloadFault(name string) (once downloadFault, corrupt bool) {
	taken := -1
	for i, f := range s.downloadFaults {
		switch {
		case f.name != name:
		case f.corrupt:
			corrupt = true
		case taken < 0:
			taken, once = i, f
		}
	}
	if taken >= 0 {
		s.downloadFaults = slices.Delete(s.downloadFaults, taken, taken+1)
	}
	return once, corrupt
}

// storageURL is the pre-signed URL of a's bytes, in the shape of
// github.com's Locations (DataDog/documentation#24206,
// gm3dmo/the-power#393): a random key under the repository's ID, then
// X-Amz-* parameters, the IDs GitHub adds and the response headers S3 is
// to send. The fake's signature is an HMAC of its own over the method, the
// path and every other parameter, so a URL changed in any way is refused.
// The caller holds s.mu.
func (s *Server) storageURL(urls bases, repo *repository, a *asset) string {
	return s.signedURL(urls, repo, a, storageLinkLifetime, url.Values{
		"response-content-disposition": {"attachment; filename=" + a.Name},
		"response-content-type":        {"application/octet-stream"},
	})
}

// signedURL is a URL of a's bytes in storage that works for lifetime and
// makes storage answer with the response-* headers of respond. The caller
// holds s.mu.
func (s *Server) signedURL(urls bases, repo *repository, a *asset, lifetime time.Duration, respond url.Values) string {
	if a.key == "" {
		a.key = newObjectKey()
		s.objects[a.key] = storedObject{repo: repo, asset: a}
	}
	path := "/" + storageBucket + "/" + itoa(repo.id) + "/" + a.key
	now := s.now().UTC()
	query := url.Values{
		"X-Amz-Algorithm":     {"AWS4-HMAC-SHA256"},
		"X-Amz-Credential":    {"releaseassetproduction/" + now.Format("20060102") + "/us-east-1/s3/aws4_request"},
		"X-Amz-Date":          {now.Format(amzDateFormat)},
		"X-Amz-Expires":       {strconv.Itoa(int(lifetime.Seconds()))},
		"X-Amz-SignedHeaders": {"host"},
		"actor_id":            {"0"},
		"key_id":              {"0"},
		"repo_id":             {itoa(repo.id)},
	}
	for name, values := range respond {
		query[name] = values
	}
	query.Set("X-Amz-Signature", s.storageSignature(http.MethodGet, path, query))
	return urls.storage + path + "?" + encodeS3Query(query)
}

// encodeS3Query encodes query sorted by key, as url.Values does, but with
// spaces as %20, as in github.com's Locations.
func encodeS3Query(query url.Values) string {
	keys := make([]string, 0, len(query))
	for key := range query {
		keys = append(keys, key)
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, key := range keys {
		for _, value := range query[key] {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(url.QueryEscape(key) + "=" + strings.ReplaceAll(url.QueryEscape(value), "+", "%20"))
		}
	}
	return b.String()
}

func (s *Server) storageSignature(method, path string, query url.Values) string {
	mac := hmac.New(sha256.New, s.storageSecret)
	fmt.Fprintf(mac, "%s\n%s\n", method, path)
	keys := make([]string, 0, len(query))
	for key := range query {
		if key != "X-Amz-Signature" {
			keys = append(keys, key)
		}
	}
	slices.Sort(keys)
	for _, key := range keys {
		fmt.Fprintf(mac, "%s=%q\n", key, query[key])
	}
	return hex.EncodeToString(mac.Sum(nil))
}

// newObjectKey is a random UUID, the form of github.com's object keys.
func newObjectKey() string {
	var b [16]byte
	rand.Read(b[:]) // Never fails: it panics rather than return an error.
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// serveStorage answers a request for an object at path, as S3 answers one
// for a pre-signed URL: the bytes, streamed from their file (with Range
// and conditional requests, through http.ServeContent), or S3's XML error.
// S3 refuses a request that also carries an Authorization header, so a
// client that sends the token on to storage fails here as on github.com.
func (s *Server) serveStorage(w http.ResponseWriter, r *http.Request, path string) {
	query := r.URL.Query()
	if auth := r.Header.Get("Authorization"); auth != "" {
		if query.Has("X-Amz-Algorithm") {
			writeS3Error(w, http.StatusBadRequest, "InvalidArgument",
				"Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified",
				"ArgumentName", "Authorization", "ArgumentValue", auth)
			return
		}
		writeS3Error(w, http.StatusBadRequest, "InvalidArgument", "Unsupported Authorization Type", "ArgumentName", "Authorization", "ArgumentValue", auth)
		return
	}
	signedAt, err := time.Parse(amzDateFormat, query.Get("X-Amz-Date"))
	lifetime, lifetimeErr := strconv.Atoi(query.Get("X-Amz-Expires"))
	if !query.Has("X-Amz-Signature") || err != nil || lifetimeErr != nil {
		writeS3Error(w, http.StatusForbidden, "AccessDenied", "Access Denied")
		return
	}
	if !hmac.Equal([]byte(query.Get("X-Amz-Signature")), []byte(s.storageSignature(r.Method, path, query))) {
		writeS3Error(w, http.StatusForbidden, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your key and signing method.")
		return
	}

	s.mu.Lock()
	now := s.now().UTC()
	expires := signedAt.Add(time.Duration(lifetime) * time.Second)
	object, found := s.objects[objectKey(path)]
	var content *assetContent
	var name string
	var modified time.Time
	var fault downloadFault
	var corrupt bool
	if found {
		content, name, modified = object.asset.content, object.asset.Name, object.asset.updatedAt
		if content != nil && !now.After(expires) {
			fault, corrupt = s.takeDownloadFault(name)
		}
	}
	s.mu.Unlock()
	switch {
	case now.After(expires):
		writeS3Error(w, http.StatusForbidden, "AccessDenied", "Request has expired",
			"X-Amz-Expires", strconv.Itoa(lifetime), "Expires", expires.Format(time.RFC3339), "ServerTime", now.Format(time.RFC3339))
		return
	case !found:
		// The asset was deleted since the API redirected to it.
		writeS3Error(w, http.StatusNotFound, "NoSuchKey", "The specified key does not exist.", "Key", strings.TrimPrefix(path, "/"+storageBucket+"/"))
		return
	case content == nil:
		s.t.Errorf("githubtest: download asset %q: the fake has no bytes of it, as it was planted by AddAsset: plant it with AddAssetContent or upload it", name)
		writeS3Error(w, http.StatusNotFound, "NoSuchKey", "The specified key does not exist.", "Key", strings.TrimPrefix(path, "/"+storageBucket+"/"))
		return
	case fault.redirect:
		location := fault.location
		if location == "" {
			// Relative, so that it names the host and prefix the client
			// asked for, whichever that was.
			location = r.URL.RequestURI()
		}
		w.Header().Set("Location", location)
		w.Header().Set("x-amz-request-id", s3RequestID())
		w.WriteHeader(http.StatusFound)
		return
	}

	file, err := os.Open(content.path)
	if err != nil {
		// Deleted between the lookup and now.
		writeS3Error(w, http.StatusNotFound, "NoSuchKey", "The specified key does not exist.", "Key", strings.TrimPrefix(path, "/"+storageBucket+"/"))
		return
	}
	defer file.Close()
	header := w.Header()
	header.Set("Content-Type", query.Get("response-content-type"))
	if query.Has("response-content-disposition") {
		header.Set("Content-Disposition", query.Get("response-content-disposition"))
	}
	header.Set("ETag", content.etag)
	header.Set("x-amz-request-id", s3RequestID())
	// Both wrappers expose only Read and Seek, so that net/http copies
	// through them instead of handing the file to sendfile.
	var body io.ReadSeeker = file
	if corrupt {
		body = &corruptReader{r: body}
	}
	if fault.cut {
		// The response announces every byte and sends only these; net/http
		// then closes the connection, so the client sees the body end
		// early, as when a connection breaks.
		body = &cutReader{r: body, left: fault.after}
	}
	http.ServeContent(w, r, "", modified, body)
}

// objectKey is the last segment of an object's path.
func objectKey(path string) string {
	return path[strings.LastIndex(path, "/")+1:]
}

// cutReader reads r until left bytes were read, then fails.
type cutReader struct {
	r    io.ReadSeeker
	left int64
}

var errCut = errors.New("githubtest: download cut by FailDownloadAfter")

func (c *cutReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		return 0, errCut
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	return n, err
}

func (c *cutReader) Seek(offset int64, whence int) (int64, error) {
	return c.r.Seek(offset, whence)
}

// corruptReader reads r with the byte at offset 0 inverted.
type corruptReader struct {
	r   io.ReadSeeker
	pos int64
}

func (c *corruptReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if c.pos == 0 && n > 0 {
		p[0] ^= 0xff
	}
	c.pos += int64(n)
	return n, err
}

func (c *corruptReader) Seek(offset int64, whence int) (int64, error) {
	pos, err := c.r.Seek(offset, whence)
	if err == nil {
		c.pos = pos
	}
	return pos, err
}

// writeS3Error writes S3's XML error; extra are further element names and
// values, in pairs, which S3 adds for some codes.
func writeS3Error(w http.ResponseWriter, status int, code, message string, extra ...string) {
	requestID := s3RequestID()
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n<Error>")
	element := func(name, value string) {
		b.WriteString("<" + name + ">")
		xml.EscapeText(&b, []byte(value))
		b.WriteString("</" + name + ">")
	}
	element("Code", code)
	element("Message", message)
	for i := 0; i+1 < len(extra); i += 2 {
		element(extra[i], extra[i+1])
	}
	element("RequestId", requestID)
	element("HostId", requestID)
	b.WriteString("</Error>")
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Set("x-amz-request-id", requestID)
	w.WriteHeader(status)
	io.WriteString(w, b.String())
}

func s3RequestID() string {
	var b [8]byte
	rand.Read(b[:]) // Never fails: it panics rather than return an error.
	return strings.ToUpper(hex.EncodeToString(b[:]))
}
