package githubtest

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	gh "github.com/google/go-github/v66/github"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// defaultLabelNames are the labels of a new repository on GitHub.
var defaultLabelNames = []string{"bug", "documentation", "duplicate", "enhancement", "good first issue", "help wanted", "invalid", "question", "wontfix"}

func TestGetLabel(t *testing.T) {
	tests := []struct {
		name            string
		label           string
		wantStatus      int
		wantName        string
		wantColor       string
		wantDescription *string
		wantDefault     bool
	}{
		{"a default label", "bug", http.StatusOK, "bug", "d73a4a", gh.String("Something isn't working"), true},
		{"in another case", "BUG", http.StatusOK, "bug", "d73a4a", gh.String("Something isn't working"), true},
		{"with a space", "good first issue", http.StatusOK, "good first issue", "7057ff", gh.String("Good for newcomers"), true},
		{"created by an issue", "ci-failure", http.StatusOK, "ci-failure", "ededed", nil, false},
		{"missing", "nightly", http.StatusNotFound, "", "", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, client := newGitHub(t)
			fake.AddIssue(repoName, Issue{Title: "Nightly failed", Labels: []string{"ci-failure"}})

			got, _, err := client.Issues.GetLabel(t.Context(), testOwner, testRepo, tt.label)

			if tt.wantStatus != http.StatusOK {
				ghErr := requireStatus(t, err, tt.wantStatus)
				assert.Equal(t, "Not Found", ghErr.Message)
				assert.Equal(t, "https://docs.github.com/rest/issues/labels#get-a-label", ghErr.DocumentationURL)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantName, got.GetName())
			assert.Equal(t, tt.wantColor, got.GetColor())
			assert.Equal(t, tt.wantDescription, got.Description)
			assert.Equal(t, tt.wantDefault, got.GetDefault())
			assert.NotZero(t, got.GetID())
			assert.NotEmpty(t, got.GetNodeID())
			assert.Equal(t, "https://api.github.com/repos/BTCDecoded/bllvm/labels/"+strings.ReplaceAll(tt.wantName, " ", "%20"), got.GetURL())
		})
	}
}

func TestCreateLabel(t *testing.T) {
	tests := []struct {
		name       string
		label      gh.Label
		wantStatus int
		wantError  map[string]string // the one entry of errors, besides resource Label
		wantColor  string
	}{
		{"new", gh.Label{Name: gh.String("triage"), Color: gh.String("663399"), Description: gh.String("Needs a look")}, http.StatusCreated, nil, "663399"},
		{"color with a hash", gh.Label{Name: gh.String("triage"), Color: gh.String("#663399")}, http.StatusCreated, nil, "663399"},
		{"no color", gh.Label{Name: gh.String("triage")}, http.StatusCreated, nil, "ededed"},
		{"exists", gh.Label{Name: gh.String("bug"), Color: gh.String("663399")}, http.StatusUnprocessableEntity, map[string]string{"code": "already_exists", "field": "name"}, ""},
		{"exists in another case", gh.Label{Name: gh.String("Bug"), Color: gh.String("663399")}, http.StatusUnprocessableEntity, map[string]string{"code": "already_exists", "field": "name"}, ""},
		{"invalid color", gh.Label{Name: gh.String("foo"), Color: gh.String("invalid")}, http.StatusUnprocessableEntity, map[string]string{"code": "invalid", "field": "color"}, ""},
		{
			"name of 51 characters", gh.Label{Name: gh.String(strings.Repeat("n", 51))}, http.StatusUnprocessableEntity,
			map[string]string{"code": "custom", "field": "name", "message": "name is too long (maximum is 50 characters)"}, "",
		},
		{"name of 50 characters", gh.Label{Name: gh.String(strings.Repeat("n", 50))}, http.StatusCreated, nil, "ededed"},
		{
			"description of 101 characters", gh.Label{Name: gh.String("triage"), Description: gh.String(strings.Repeat("d", 101))}, http.StatusUnprocessableEntity,
			map[string]string{"code": "custom", "field": "description", "message": "description is too long (maximum is 100 characters)"}, "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, client := newGitHub(t)

			got, _, err := client.Issues.CreateLabel(t.Context(), testOwner, testRepo, &tt.label)

			if tt.wantStatus != http.StatusCreated {
				ghErr := requireStatus(t, err, tt.wantStatus)
				assert.Equal(t, "Validation Failed", ghErr.Message)
				assert.Equal(t, "https://docs.github.com/rest/issues/labels#create-a-label", ghErr.DocumentationURL)
				require.Len(t, ghErr.Errors, 1)
				assert.Equal(t, gh.Error{Resource: "Label", Code: tt.wantError["code"], Field: tt.wantError["field"], Message: tt.wantError["message"]}, ghErr.Errors[0])
				assert.Equal(t, defaultLabelNames, fake.Labels(repoName))
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.label.GetName(), got.GetName())
			assert.Equal(t, tt.wantColor, got.GetColor())
			assert.Equal(t, tt.label.Description, got.Description)
			assert.False(t, got.GetDefault())
			assert.Equal(t, slices.Concat(defaultLabelNames, []string{tt.label.GetName()}), fake.Labels(repoName))
		})
	}
}
