package githubtest

import (
	"hash/fnv"
	"net/url"
	"strings"
)

// actorLogin is the user GitHub names as the author of what the fake
// creates: a workflow's GITHUB_TOKEN.
const actorLogin = "github-actions[bot]"

// knownUserIDs are the real IDs of the users the fake names by itself.
var knownUserIDs = map[string]int64{actorLogin: 41898282}

// userID is login's ID: its real one when known, else one made from the
// login, so that a user keeps one ID across requests and servers.
func userID(login string) int64 {
	if id, ok := knownUserIDs[login]; ok {
		return id
	}
	h := fnv.New32a()
	h.Write([]byte(strings.ToLower(login)))
	return 1_000_000 + int64(h.Sum32()%100_000_000)
}

// userJSON is login as GitHub shows a user in what it authored (the
// simple-user of its description, as @octokit/fixtures records it); a
// login ending in [bot] is an app's bot, whose page is the app's.
func userJSON(urls bases, login string) map[string]any {
	id := userID(login)
	userAPI := urls.api + "/users/" + url.PathEscape(login)
	kind, page := "User", urls.web+"/"+login
	if app, bot := strings.CutSuffix(login, "[bot]"); bot {
		kind, page = "Bot", urls.web+"/apps/"+app
	}
	return map[string]any{
		"login":               login,
		"id":                  id,
		"node_id":             nodeID(kind, id),
		"avatar_url":          "https://avatars.githubusercontent.com/u/" + itoa(id) + "?v=4",
		"gravatar_id":         "",
		"url":                 userAPI,
		"html_url":            page,
		"followers_url":       userAPI + "/followers",
		"following_url":       userAPI + "/following{/other_user}",
		"gists_url":           userAPI + "/gists{/gist_id}",
		"starred_url":         userAPI + "/starred{/owner}{/repo}",
		"subscriptions_url":   userAPI + "/subscriptions",
		"organizations_url":   userAPI + "/orgs",
		"repos_url":           userAPI + "/repos",
		"events_url":          userAPI + "/events{/privacy}",
		"received_events_url": userAPI + "/received_events",
		"type":                kind,
		"site_admin":          false,
	}
}

// noreplyEmail is the address GitHub gives a user's web commits, by which it
// matches a commit to its author.
func noreplyEmail(login string) string {
	return itoa(userID(login)) + "+" + login + "@users.noreply.github.com"
}
