package nightly

import (
	"net/url"
	"strings"

	gh "github.com/google/go-github/v66/github"
)

// ReleaseURL is the web page of rel, the release of tag in repository
// (owner/name): its html_url when that is an https address on the
// server's host, plain enough to print and to set as an output as it
// is; else the address GitHub gives every release, built from the
// server's (github.com when empty).
func ReleaseURL(rel *gh.RepositoryRelease, serverURL, repository, tag string) string {
	server := strings.TrimRight(serverURL, "/")
	if server == "" {
		server = "https://github.com"
	}
	if u := rel.GetHTMLURL(); onHost(u, server) {
		return u
	}
	return server + "/" + repository + "/releases/tag/" + url.PathEscape(tag)
}

// onHost tells whether address is an https URL of server's host, plain
// enough to print and to set as an output as it is.
func onHost(address, server string) bool {
	if address == "" || len(address) > 2000 || strings.ContainsFunc(address, func(r rune) bool { return r <= ' ' || r > '~' || strings.ContainsRune(`"'<>\`+"`", r) }) {
		return false
	}
	u, err := url.Parse(address)
	s, serr := url.Parse(server)
	return err == nil && serr == nil && u.Scheme == "https" && u.User == nil && u.RawQuery == "" && u.Fragment == "" &&
		u.Host != "" && strings.EqualFold(u.Host, s.Host)
}
