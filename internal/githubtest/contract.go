package githubtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// descriptionEnv names the variable that points at GitHub's REST description
// when it is not in the default place that scripts/fetch-openapi.sh fills.
const descriptionEnv = "RELEASE_ACTION_OPENAPI"

// contract checks requests against the operations of GitHub's REST
// description that the project calls.
type contract struct {
	router routers.Router
	// endpoints is where each operation is served, by method and path
	// template as the router reports them; the router itself ignores servers.
	endpoints map[string]endpoint
}

// contractFor returns the contract for the description the environment
// points at, loading each file once per test process. It returns nil without
// an error when the description is missing outside CI, so a fresh checkout
// still runs its tests, only unchecked.
func contractFor(getenv func(string) string) (*contract, string, error) {
	path := getenv(descriptionEnv)
	if path == "" {
		root, err := moduleRoot()
		if err != nil {
			return nil, "", err
		}
		path = filepath.Join(root, ".cache", "openapi", "api.github.com.json")
	}
	c, err := loadContractOnce(path)
	switch {
	case errors.Is(err, fs.ErrNotExist) && getenv("CI") == "":
		return nil, path, nil
	case errors.Is(err, fs.ErrNotExist):
		return nil, path, fmt.Errorf("find GitHub's REST description at %s: run scripts/fetch-openapi.sh", path)
	case err != nil:
		return nil, path, fmt.Errorf("load GitHub's REST description %s: %w", path, err)
	}
	return c, path, nil
}

type loadedContract struct {
	once     sync.Once
	contract *contract
	err      error
}

var contracts sync.Map // description path -> *loadedContract

func loadContractOnce(path string) (*contract, error) {
	v, _ := contracts.LoadOrStore(path, &loadedContract{})
	loaded := v.(*loadedContract)
	loaded.once.Do(func() {
		loaded.contract, loaded.err = loadContract(path)
	})
	return loaded.contract, loaded.err
}

func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find the module root: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("find the module root: no go.mod above the working directory")
		}
		dir = parent
	}
}

func loadContract(path string) (*contract, error) {
	full, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pruned, endpoints, err := pruneDescription(full, operations)
	if err != nil {
		return nil, fmt.Errorf("prune: %w", err)
	}
	// No doc.Validate: GitHub's description does not pass it, and the
	// request checks do not need it.
	doc, err := openapi3.NewLoader().LoadFromData(pruned)
	if err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("build router: %w", err)
	}
	return &contract{router: router, endpoints: endpoints}, nil
}

// description is the part of an OpenAPI document the pruning looks into;
// everything else (tags, externalDocs, x-webhooks) is dropped.
type description struct {
	OpenAPI    string                                `json:"openapi"`
	Info       json.RawMessage                       `json:"info"`
	Servers    []server                              `json:"servers,omitempty"`
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components map[string]map[string]json.RawMessage `json:"components,omitempty"`
}

type server struct {
	URL string `json:"url"`
}

type parameter struct {
	Ref          string `json:"$ref"`
	Name         string `json:"name"`
	In           string `json:"in"`
	MultiSegment bool   `json:"x-multi-segment"`
}

var componentRef = regexp.MustCompile(`"\$ref"\s*:\s*"#/components/([^/"]+)/([^"]+)"`)

// pruneDescription keeps only ops and the components they reach, and takes
// out every servers entry, which gorillamux ignores below the top level; it
// returns where each kept operation is served instead, keyed like
// operationKey. Path parameters GitHub marks as multi-segment (refs, tags)
// get a pattern matching slashes, as "heads/main" is sent unescaped.
func pruneDescription(full []byte, ops []operation) ([]byte, map[string]endpoint, error) {
	var doc description
	if err := json.Unmarshal(full, &doc); err != nil {
		return nil, nil, err
	}
	defaultEndpoint, err := endpointOf(doc.Servers, apiEndpoint)
	if err != nil {
		return nil, nil, fmt.Errorf("top-level servers: %w", err)
	}

	keptPaths := map[string]map[string]json.RawMessage{}
	endpoints := map[string]endpoint{}
	var reachable [][]byte
	for _, op := range ops {
		item, ok := doc.Paths[op.path]
		if !ok {
			return nil, nil, fmt.Errorf("find path %s: not in the description", op.path)
		}
		raw, ok := item[strings.ToLower(op.method)]
		if !ok {
			return nil, nil, fmt.Errorf("find operation %s %s: not in the description", op.method, op.path)
		}
		pathEndpoint, err := itemEndpoint(item, defaultEndpoint)
		if err != nil {
			return nil, nil, fmt.Errorf("servers of %s: %w", op.path, err)
		}
		body, opEndpoint, err := stripServers(raw, pathEndpoint)
		if err != nil {
			return nil, nil, fmt.Errorf("servers of %s %s: %w", op.method, op.path, err)
		}
		template, err := multiSegmentTemplate(op.path, item["parameters"], body, doc.Components["parameters"])
		if err != nil {
			return nil, nil, fmt.Errorf("parameters of %s %s: %w", op.method, op.path, err)
		}

		kept, ok := keptPaths[template]
		if !ok {
			kept = map[string]json.RawMessage{}
			if params, ok := item["parameters"]; ok {
				kept["parameters"] = params
				reachable = append(reachable, params)
			}
			keptPaths[template] = kept
		}
		kept[strings.ToLower(op.method)] = body
		reachable = append(reachable, body)
		endpoints[operationKey(op.method, template)] = opEndpoint
	}

	components, err := reachableComponents(doc.Components, reachable)
	if err != nil {
		return nil, nil, err
	}
	pruned, err := json.Marshal(description{
		OpenAPI:    doc.OpenAPI,
		Info:       doc.Info,
		Paths:      keptPaths,
		Components: components,
	})
	if err != nil {
		return nil, nil, err
	}
	return pruned, endpoints, nil
}

func operationKey(method, template string) string {
	return method + " " + template
}

func itemEndpoint(item map[string]json.RawMessage, inherited endpoint) (endpoint, error) {
	raw, ok := item["servers"]
	if !ok {
		return inherited, nil
	}
	var servers []server
	if err := json.Unmarshal(raw, &servers); err != nil {
		return 0, err
	}
	return endpointOf(servers, inherited)
}

// stripServers removes an operation's own servers and returns where it is
// served.
func stripServers(raw json.RawMessage, inherited endpoint) (json.RawMessage, endpoint, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return nil, 0, err
	}
	serversRaw, ok := fields["servers"]
	if !ok {
		return raw, inherited, nil
	}
	var servers []server
	if err := json.Unmarshal(serversRaw, &servers); err != nil {
		return nil, 0, err
	}
	where, err := endpointOf(servers, inherited)
	if err != nil {
		return nil, 0, err
	}
	delete(fields, "servers")
	stripped, err := json.Marshal(fields)
	return stripped, where, err
}

func endpointOf(servers []server, inherited endpoint) (endpoint, error) {
	if len(servers) == 0 {
		return inherited, nil
	}
	var found []endpoint
	for _, s := range servers {
		switch strings.TrimSuffix(s.URL, "/") {
		case "https://api.github.com":
			found = append(found, apiEndpoint)
		case "https://uploads.github.com":
			found = append(found, uploadsEndpoint)
		default:
			return 0, fmt.Errorf("map server %s to an endpoint: unknown server", s.URL)
		}
	}
	if slices.Contains(found, apiEndpoint) && slices.Contains(found, uploadsEndpoint) {
		return 0, errors.New("map servers to an endpoint: both api and uploads listed")
	}
	return found[0], nil
}

// multiSegmentTemplate rewrites {name} to {name:.+} for the path's
// multi-segment parameters, declared on the path item or the operation.
func multiSegmentTemplate(template string, itemParams, operation json.RawMessage, componentParams map[string]json.RawMessage) (string, error) {
	var params []parameter
	if len(itemParams) > 0 {
		if err := json.Unmarshal(itemParams, &params); err != nil {
			return "", err
		}
	}
	var op struct {
		Parameters []parameter `json:"parameters"`
	}
	if err := json.Unmarshal(operation, &op); err != nil {
		return "", err
	}
	for _, p := range append(params, op.Parameters...) {
		if name, ok := strings.CutPrefix(p.Ref, "#/components/parameters/"); ok {
			raw, ok := componentParams[unescapePointer(name)]
			if !ok {
				return "", fmt.Errorf("resolve %s: not in the description", p.Ref)
			}
			if err := json.Unmarshal(raw, &p); err != nil {
				return "", err
			}
		}
		if p.In == "path" && p.MultiSegment {
			template = strings.Replace(template, "{"+p.Name+"}", "{"+p.Name+":.+}", 1)
		}
	}
	return template, nil
}

// reachableComponents walks $ref links from roots and keeps only the
// components they reach, which is a few hundred of GitHub's thousands.
func reachableComponents(all map[string]map[string]json.RawMessage, roots [][]byte) (map[string]map[string]json.RawMessage, error) {
	kept := map[string]map[string]json.RawMessage{}
	queue := slices.Clone(roots)
	for len(queue) > 0 {
		raw := queue[0]
		queue = queue[1:]
		for _, m := range componentRef.FindAllSubmatch(raw, -1) {
			kind, name := string(m[1]), unescapePointer(string(m[2]))
			if _, seen := kept[kind][name]; seen {
				continue
			}
			component, ok := all[kind][name]
			if !ok {
				return nil, fmt.Errorf("resolve #/components/%s/%s: not in the description", kind, name)
			}
			if kept[kind] == nil {
				kept[kind] = map[string]json.RawMessage{}
			}
			kept[kind][name] = component
			queue = append(queue, component)
		}
	}
	return kept, nil
}

func unescapePointer(token string) string {
	return strings.NewReplacer("~1", "/", "~0", "~").Replace(token)
}

// contractTransport fails the test for any request GitHub's description
// does not allow, before it reaches the fake; it sees the URLs the program
// built, so it can also tell a request sent to the wrong host.
type contractTransport struct {
	t        reporter
	contract *contract
	next     http.RoundTripper
}

func (ct contractTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if ct.contract == nil {
		return ct.next.RoundTrip(req)
	}
	where, apiPath, err := splitGitHubURL(req.URL.Host, req.URL.EscapedPath())
	if err != nil {
		return ct.next.RoundTrip(req) // Not GitHub: the next transport refuses it.
	}
	if where == storageEndpoint {
		return ct.next.RoundTrip(req) // Not the REST API: nothing to check it against.
	}
	forward, err := ct.check(req, where, apiPath)
	if err != nil {
		closeBody(req)
		ct.t.Errorf("githubtest: %v", err)
		return nil, fmt.Errorf("githubtest: %w", err)
	}
	return ct.next.RoundTrip(forward)
}

// check validates req and returns the request to send on, which carries a
// fresh copy of the body when the check had to read it.
func (ct contractTransport) check(req *http.Request, where endpoint, apiPath string) (*http.Request, error) {
	probe := req.Clone(req.Context())
	probe.Body = http.NoBody
	probe.URL.Host = "api.github.com"
	probe.URL.Path, probe.URL.RawPath = unescapedPath(apiPath), apiPath
	if probe.Method == http.MethodHead {
		// GitHub answers HEAD wherever it answers GET (gh asks HEAD
		// releases/tags/{tag}); the description lists only the GET.
		probe.Method = http.MethodGet
	}

	route, pathParams, err := ct.contract.router.FindRoute(probe)
	if err != nil {
		return nil, fmt.Errorf("%s %s is not in GitHub's REST description as pruned for this project (%v); if GitHub has it, add it to operations in internal/githubtest/operations.go", req.Method, apiPath, err)
	}
	if want := ct.contract.endpoints[operationKey(route.Method, route.Path)]; where != want {
		return nil, fmt.Errorf("%s %s was sent to %s (%s) but GitHub serves it from %s: asset uploads go to the upload URL, everything else to the base URL", req.Method, apiPath, where, req.URL.Host, want)
	}

	if err := checkSearchDates(probe, route.Method, route.Path); err != nil {
		return nil, fmt.Errorf("%s %s does not match GitHub's REST description: %v", req.Method, apiPath, err)
	}

	forward := req
	options := &openapi3filter.Options{
		AuthenticationFunc:  openapi3filter.NoopAuthenticationFunc,
		SkipSettingDefaults: true,
	}
	// The schema and value dumps kin-openapi adds by default bury the reason.
	options.WithCustomSchemaErrorFunc(func(err *openapi3.SchemaError) string {
		return fmt.Sprintf("/%s: %s", strings.Join(err.JSONPointer(), "/"), err.Reason)
	})
	switch {
	case route.Operation.RequestBody == nil || req.Body == nil || req.Body == http.NoBody:
	case hasJSONContent(route.Operation.RequestBody.Value):
		body, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("%s %s: read body: %w", req.Method, apiPath, err)
		}
		forward = req.Clone(req.Context())
		forward.Body = io.NopCloser(bytes.NewReader(body))
		forward.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		probe.Body = io.NopCloser(bytes.NewReader(body))
	default:
		// Asset uploads: GitHub takes any media type and the body can be
		// large, so only the presence of a Content-Type is checked.
		options.ExcludeRequestBody = true
		if req.Header.Get("Content-Type") == "" {
			return nil, fmt.Errorf("%s %s: Content-Type header is required", req.Method, apiPath)
		}
	}

	err = openapi3filter.ValidateRequest(req.Context(), &openapi3filter.RequestValidationInput{
		Request:    probe,
		PathParams: pathParams,
		Route:      route,
		Options:    options,
	})
	if err != nil {
		return nil, fmt.Errorf("%s %s does not match GitHub's REST description: %v", req.Method, apiPath, err)
	}
	return forward, nil
}

// searchDateParams are query parameters GitHub's description types as
// date-time although the endpoint takes, and its documentation describes,
// GitHub's search syntax for dates: ">=2025-11-17T02:00:00Z",
// "2025-11-01..2025-11-17" or a plain date, all of which the date-time
// format refuses. The contract checks them with that syntax instead; it is
// the one allowance made to the description, for exactly these parameters.
var searchDateParams = map[string]string{
	operationKey("GET", "/repos/{owner}/{repo}/actions/runs"):                         "created",
	operationKey("GET", "/repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs"): "created",
}

// checkSearchDates checks probe's search-syntax date parameter, if its
// operation has one, and takes it out of probe so that the description's
// date-time format does not refuse it.
func checkSearchDates(probe *http.Request, method, template string) error {
	name, ok := searchDateParams[operationKey(method, template)]
	if !ok {
		return nil
	}
	query := probe.URL.Query()
	if !query.Has(name) {
		return nil
	}
	if _, err := parseCreated(query.Get(name)); err != nil {
		return fmt.Errorf("parameter %q in query: not GitHub's search syntax for dates: %v", name, err)
	}
	query.Del(name)
	probe.URL.RawQuery = query.Encode()
	return nil
}

func hasJSONContent(body *openapi3.RequestBody) bool {
	if body == nil {
		return false
	}
	for mediaType := range body.Content {
		if strings.HasPrefix(mediaType, "application/json") {
			return true
		}
	}
	return false
}
