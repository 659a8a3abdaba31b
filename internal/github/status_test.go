package github

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	gh "github.com/google/go-github/v66/github"
	"github.com/stretchr/testify/assert"
)

func TestIsStatus(t *testing.T) {
	notFound := &gh.ErrorResponse{Response: &http.Response{StatusCode: http.StatusNotFound}}
	tests := []struct {
		name   string
		err    error
		status int
		want   bool
	}{
		{"the status", notFound, http.StatusNotFound, true},
		{"wrapped", fmt.Errorf("read: %w", notFound), http.StatusNotFound, true},
		{"another status", notFound, http.StatusUnprocessableEntity, false},
		{"no response", &gh.ErrorResponse{}, http.StatusNotFound, false},
		{"not GitHub's answer", errors.New("connection reset"), http.StatusNotFound, false},
		{"no error", nil, http.StatusNotFound, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, IsStatus(tt.err, tt.status))
		})
	}
}

func TestIsValidationCode(t *testing.T) {
	taken := func(status int, code string) error {
		return &gh.ErrorResponse{Response: &http.Response{StatusCode: status}, Errors: []gh.Error{{Resource: "Release", Code: "custom"}, {Resource: "Release", Code: code}}}
	}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"422 with the code among others", taken(http.StatusUnprocessableEntity, "already_exists"), true},
		{"wrapped", fmt.Errorf("create: %w", taken(http.StatusUnprocessableEntity, "already_exists")), true},
		{"422 with other codes", taken(http.StatusUnprocessableEntity, "invalid"), false},
		{"the code on another status", taken(http.StatusBadRequest, "already_exists"), false},
		{"not GitHub's answer", errors.New("eof"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, IsValidationCode(tt.err, "already_exists"))
		})
	}
}
