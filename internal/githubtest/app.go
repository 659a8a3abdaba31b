package githubtest

import (
	"crypto/rand"
	"crypto/rsa"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// GitHub's limits on an App's JWT and the life of an installation token.
const (
	maxJWTLifetime = 10 * time.Minute
	// GitHub tolerates an iat this far ahead of its clock; Apps back-date
	// iat by as much for the same reason.
	jwtClockSkew  = time.Minute
	tokenLifetime = time.Hour
	// AppSlug is the slug of the fake's App, in its installation's JSON.
	AppSlug = "release-action-test"
)

// GitHub's messages for refused App credentials and token requests.
const (
	jwtNotDecoded       = "A JSON web token could not be decoded"
	jwtTooLong          = "'Expiration time' claim ('exp') is too far in the future"
	jwtExpired          = "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires"
	jwtIssuedInFuture   = "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued"
	repositoryNotInApp  = "There is at least one repository that does not exist or is not accessible to the parent installation."
	permissionsNotInApp = "The permissions requested are not granted to this installation."
)

// defaultAppPermissions is what the fake's App may do unless
// WithAppPermissions says otherwise: enough to release and dispatch.
var defaultAppPermissions = map[string]string{"actions": "write", "contents": "write", "metadata": "read"}

// fakeApp is a GitHub App and its installations. Its state is guarded by
// the Server's mu.
type fakeApp struct {
	id            string
	publicKey     *rsa.PublicKey
	installations map[string]int64    // by lower-case owner
	repositories  map[string][]string // lower-case owner to the only repositories its installation reaches
	permissions   map[string]string
	minted        []*MintedToken
	jwts          []JWT
}

// MintedToken is an installation token the fake's App handed out.
type MintedToken struct {
	Value          string
	InstallationID int64
	Owner          string
	// Repositories are the names (without owner) the token reaches.
	Repositories []string
	Permissions  map[string]string
	ExpiresAt    time.Time
	Revoked      bool
}

// JWT is an App JWT as the fake received it, with the claims it read.
type JWT struct {
	Raw       string
	Algorithm string
	Issuer    string
	IssuedAt  time.Time
	ExpiresAt time.Time
	// Refused is GitHub's message when the fake refused it, "" when not.
	Refused string
}

// WithApp installs a GitHub App: appID is what its JWT carries as iss,
// publicKey checks the JWT's RS256 signature, and installations maps each
// owner the App is installed on to the installation's ID. An installation
// reaches every repository of its owner unless WithAppRepositories limits
// it. Without WithApp the App endpoints answer 404.
func WithApp(appID string, publicKey *rsa.PublicKey, installations map[string]int64) Option {
	return func(s *Server) {
		app := s.ensureApp()
		app.id, app.publicKey = appID, publicKey
		for owner, id := range installations {
			app.installations[strings.ToLower(owner)] = id
		}
	}
}

// WithAppRepositories limits the App's installation on owner to repos (names
// without the owner), as an installation for "Only select repositories".
func WithAppRepositories(owner string, repos ...string) Option {
	return func(s *Server) {
		app := s.ensureApp()
		app.repositories[strings.ToLower(owner)] = append(app.repositories[strings.ToLower(owner)], repos...)
	}
}

// WithAppPermissions replaces the permissions the App's installations
// grant, such as {"contents": "write"}; by default actions and contents
// write, metadata read.
func WithAppPermissions(permissions map[string]string) Option {
	return func(s *Server) { s.ensureApp().permissions = maps.Clone(permissions) }
}

func (s *Server) ensureApp() *fakeApp {
	if s.app == nil {
		s.app = &fakeApp{
			installations: map[string]int64{},
			repositories:  map[string][]string{},
			permissions:   maps.Clone(defaultAppPermissions),
		}
	}
	return s.app
}

// MintedTokens returns every installation token minted so far, in order.
func (s *Server) MintedTokens() []MintedToken {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.app == nil {
		return nil
	}
	tokens := make([]MintedToken, 0, len(s.app.minted))
	for _, token := range s.app.minted {
		copied := *token
		copied.Repositories = slices.Clone(token.Repositories)
		copied.Permissions = maps.Clone(token.Permissions)
		tokens = append(tokens, copied)
	}
	return tokens
}

// JWTs returns every App JWT received so far, in order, refused ones too.
func (s *Server) JWTs() []JWT {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.app == nil {
		return nil
	}
	return slices.Clone(s.app.jwts)
}

// refuse answers a request whose credentials GitHub would not accept: the
// App's endpoints take only its JWT (or, to revoke, a minted token); other
// requests take the WithToken token or a live minted token, which reaches
// only its own repositories.
func (s *Server) refuse(r Request) (Response, bool) {
	if s.app != nil {
		switch appEndpoint(r.Path) {
		case jwtEndpoint:
			if message := s.checkJWT(r.Header); message != "" {
				return errorResponse(http.StatusUnauthorized, nil, errorBody{Message: message, DocumentationURL: docsURL, Status: "401"}), true
			}
			return Response{}, false
		case revokeEndpoint:
			if token, _ := s.liveToken(r.Header); token == nil {
				return BadCredentials(), true
			}
			return Response{}, false
		}
		if token, found := s.liveToken(r.Header); found {
			switch {
			case token == nil:
				return BadCredentials(), true
			case !token.reaches(r.Path):
				return NotFound(), true
			}
			return Response{}, false
		}
	}
	if !s.authorized(r.Header) {
		return BadCredentials(), true
	}
	return Response{}, false
}

type appEndpointKind int

const (
	notAppEndpoint appEndpointKind = iota
	jwtEndpoint
	revokeEndpoint
)

func appEndpoint(path string) appEndpointKind {
	segments := strings.Split(path, "/")
	switch {
	case path == "/installation/token":
		return revokeEndpoint
	case len(segments) > 2 && segments[1] == "app":
		return jwtEndpoint
	case len(segments) == 5 && segments[1] == "repos" && segments[4] == "installation":
		return jwtEndpoint
	}
	return notAppEndpoint
}

func bearer(header http.Header) string {
	auth := header.Get("Authorization")
	if token, ok := strings.CutPrefix(auth, "Bearer "); ok {
		return token
	}
	token, _ := strings.CutPrefix(auth, "token ")
	return token
}

// liveToken finds the minted token a request authenticates with: found
// reports whether it is one, and token is nil when it was revoked or has
// expired.
func (s *Server) liveToken(header http.Header) (token *MintedToken, found bool) {
	value := bearer(header)
	if value == "" {
		return nil, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, minted := range s.app.minted {
		if minted.Value != value {
			continue
		}
		if minted.Revoked || !s.now().Before(minted.ExpiresAt) {
			return nil, true
		}
		return minted, true
	}
	return nil, false
}

// reaches tells whether a request for path stays within the token's
// repositories; paths outside /repos/ are not a repository's.
func (t *MintedToken) reaches(path string) bool {
	segments := strings.Split(path, "/")
	if len(segments) < 4 || segments[1] != "repos" {
		return true
	}
	if !strings.EqualFold(segments[2], t.Owner) {
		return false
	}
	return slices.ContainsFunc(t.Repositories, func(name string) bool { return strings.EqualFold(name, segments[3]) })
}

// checkJWT verifies the App's JWT as GitHub does and records it; it
// returns GitHub's message when it refuses it.
func (s *Server) checkJWT(header http.Header) string {
	raw := bearer(header)
	now := s.now()
	received := JWT{Raw: raw}
	var claims jwt.RegisteredClaims
	parsed, err := jwt.NewParser(jwt.WithValidMethods([]string{jwt.SigningMethodRS256.Alg()}), jwt.WithoutClaimsValidation()).
		ParseWithClaims(raw, &claims, func(*jwt.Token) (any, error) { return s.app.publicKey, nil })
	if parsed != nil {
		received.Algorithm, _ = parsed.Header["alg"].(string)
	}
	received.Issuer = claims.Issuer
	if claims.IssuedAt != nil {
		received.IssuedAt = claims.IssuedAt.Time
	}
	if claims.ExpiresAt != nil {
		received.ExpiresAt = claims.ExpiresAt.Time
	}

	switch {
	case err != nil || s.app.publicKey == nil || claims.Issuer != s.app.id:
		received.Refused = jwtNotDecoded
	case received.IssuedAt.IsZero() || received.IssuedAt.After(now.Add(jwtClockSkew)):
		received.Refused = jwtIssuedInFuture
	case received.ExpiresAt.IsZero() || !received.ExpiresAt.After(now):
		received.Refused = jwtExpired
	case received.ExpiresAt.Sub(received.IssuedAt) > maxJWTLifetime:
		received.Refused = jwtTooLong
	}
	s.mu.Lock()
	s.app.jwts = append(s.app.jwts, received)
	s.mu.Unlock()
	return received.Refused
}

// reachable tells whether the installation on owner reaches the repository
// name. The caller holds s.mu.
func (a *fakeApp) reachable(owner, name string) bool {
	only, limited := a.repositories[strings.ToLower(owner)]
	return !limited || slices.ContainsFunc(only, func(n string) bool { return strings.EqualFold(n, name) })
}

// installationOwner returns the owner an installation ID belongs to. The
// caller holds s.mu.
func (a *fakeApp) installationOwner(id int64) (string, bool) {
	for owner, installation := range a.installations {
		if installation == id {
			return owner, true
		}
	}
	return "", false
}

// getRepoInstallation answers GET /repos/{owner}/{repo}/installation.
func (s *Server) getRepoInstallation(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	resp := s.repoInstallation(r)
	s.mu.Unlock()
	s.respond(w, resp)
}

func (s *Server) repoInstallation(r *http.Request) Response {
	if s.app == nil {
		return NotFound()
	}
	repo := s.repository(r.PathValue("owner"), r.PathValue("repo"))
	if repo == nil {
		return NotFound()
	}
	id, installed := s.app.installations[strings.ToLower(repo.owner)]
	if !installed || !s.app.reachable(repo.owner, repo.name) {
		return NotFound()
	}
	return s.jsonResponse(http.StatusOK, s.installationJSON(s.bases(r.Host), repo.owner, id))
}

func (s *Server) installationJSON(urls bases, owner string, id int64) map[string]any {
	selection := "all"
	if _, limited := s.app.repositories[strings.ToLower(owner)]; limited {
		selection = "selected"
	}
	appID, err := strconv.ParseInt(s.app.id, 10, 64)
	if err != nil {
		appID = 1 // The App is known by its client ID.
	}
	created := githubTime(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	return map[string]any{
		"id": id,
		"account": map[string]any{
			"login":    owner,
			"id":       id + 1000,
			"type":     "Organization",
			"url":      urls.api + "/users/" + owner,
			"html_url": urls.web + "/" + owner,
		},
		"app_id":               appID,
		"app_slug":             AppSlug,
		"target_id":            id + 1000,
		"target_type":          "Organization",
		"repository_selection": selection,
		"access_tokens_url":    urls.api + "/app/installations/" + itoa(id) + "/access_tokens",
		"repositories_url":     urls.api + "/installation/repositories",
		"html_url":             urls.web + "/organizations/" + owner + "/settings/installations/" + itoa(id),
		"permissions":          maps.Clone(s.app.permissions),
		"events":               []string{},
		"created_at":           created,
		"updated_at":           created,
		"single_file_name":     nil,
	}
}

// createInstallationToken answers POST
// /app/installations/{installation_id}/access_tokens.
func (s *Server) createInstallationToken(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Repositories  []string          `json:"repositories"`
		RepositoryIDs []int64           `json:"repository_ids"`
		Permissions   map[string]string `json:"permissions"`
	}
	if refusal, ok := decodeBody(r, &body); !ok {
		s.respond(w, refusal)
		return
	}
	now := s.now()
	s.mu.Lock()
	resp := s.mintToken(r, now, body.Repositories, body.RepositoryIDs, body.Permissions)
	s.mu.Unlock()
	s.respond(w, resp)
}

func (s *Server) mintToken(r *http.Request, now time.Time, names []string, ids []int64, permissions map[string]string) Response {
	if s.app == nil {
		return NotFound()
	}
	id, err := strconv.ParseInt(r.PathValue("installation_id"), 10, 64)
	if err != nil {
		return NotFound()
	}
	owner, ok := s.app.installationOwner(id)
	if !ok {
		return NotFound()
	}

	var repos []*repository
	for _, name := range names {
		repo := s.repository(owner, name)
		if repo == nil || !s.app.reachable(owner, name) {
			return Unprocessable(repositoryNotInApp)
		}
		repos = append(repos, repo)
	}
	for _, repoID := range ids {
		repo := s.repositoryByID(owner, repoID)
		if repo == nil || !s.app.reachable(owner, repo.name) {
			return Unprocessable(repositoryNotInApp)
		}
		repos = append(repos, repo)
	}
	selection := "selected"
	if len(names) == 0 && len(ids) == 0 {
		// Asking for no repositories gets all the installation reaches.
		for _, repo := range s.repos {
			if strings.EqualFold(repo.owner, owner) && s.app.reachable(owner, repo.name) {
				repos = append(repos, repo)
			}
		}
		if _, limited := s.app.repositories[owner]; !limited {
			selection = "all"
		}
	}
	slices.SortFunc(repos, func(a, b *repository) int { return strings.Compare(a.name, b.name) })
	repos = slices.Compact(repos)

	granted := maps.Clone(s.app.permissions)
	if len(permissions) > 0 {
		for name, level := range permissions {
			if !permits(s.app.permissions[name], level) {
				return errorResponse(http.StatusForbidden, nil, errorBody{Message: permissionsNotInApp, DocumentationURL: docsURL, Status: "403"})
			}
		}
		granted = maps.Clone(permissions)
	}

	token := &MintedToken{
		Value:          newTokenValue(),
		InstallationID: id,
		Owner:          repoOwner(repos, owner),
		Permissions:    granted,
		ExpiresAt:      now.Add(tokenLifetime).Truncate(time.Second),
	}
	urls := s.bases(r.Host)
	repositories := make([]map[string]any, 0, len(repos))
	for _, repo := range repos {
		token.Repositories = append(token.Repositories, repo.name)
		repositories = append(repositories, map[string]any{
			"id":             repo.id,
			"node_id":        nodeID("Repository", repo.id),
			"name":           repo.name,
			"full_name":      repo.fullName(),
			"private":        false,
			"owner":          map[string]any{"login": repo.owner, "type": "Organization"},
			"html_url":       urls.web + "/" + repo.fullName(),
			"url":            urls.api + "/repos/" + repo.fullName(),
			"default_branch": repo.defaultBranch,
		})
	}
	s.app.minted = append(s.app.minted, token)
	return s.jsonResponse(http.StatusCreated, map[string]any{
		"token":                token.Value,
		"expires_at":           githubTime(token.ExpiresAt),
		"permissions":          granted,
		"repository_selection": selection,
		"repositories":         repositories,
	})
}

// repoOwner is the owner as the repositories spell it (the installations
// map holds it in lower case).
func repoOwner(repos []*repository, fallback string) string {
	if len(repos) > 0 {
		return repos[0].owner
	}
	return fallback
}

// repositoryByID returns owner's repository with the ID, or nil. The
// caller holds s.mu.
func (s *Server) repositoryByID(owner string, id int64) *repository {
	for _, repo := range s.repos {
		if repo.id == id && strings.EqualFold(repo.owner, owner) {
			return repo
		}
	}
	return nil
}

// permits tells whether an installation granted level may hand out want:
// read < write < admin.
func permits(granted, want string) bool {
	rank := map[string]int{"read": 1, "write": 2, "admin": 3}
	return rank[granted] > 0 && rank[granted] >= rank[want]
}

// newTokenValue makes a token shaped like GitHub's installation tokens:
// ghs_ and 36 letters and digits.
func newTokenValue() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	random := make([]byte, 36)
	rand.Read(random) // Never fails: crypto/rand crashes the program instead.
	for i, b := range random {
		random[i] = alphabet[int(b)%len(alphabet)]
	}
	return "ghs_" + string(random)
}

// revokeInstallationToken answers DELETE /installation/token; refuse has
// already checked that the token is live.
func (s *Server) revokeInstallationToken(w http.ResponseWriter, r *http.Request) {
	if s.app == nil {
		s.notFound(w, r)
		return
	}
	value := bearer(r.Header)
	s.mu.Lock()
	for _, minted := range s.app.minted {
		if minted.Value == value {
			minted.Revoked = true
		}
	}
	s.mu.Unlock()
	s.respond(w, noContent())
}
