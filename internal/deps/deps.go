package deps

import (
	_ "github.com/bmatcuk/doublestar/v4"
	_ "github.com/getkin/kin-openapi/openapi3"
	_ "github.com/getkin/kin-openapi/openapi3filter"
	_ "github.com/getkin/kin-openapi/routers/gorillamux"
	_ "github.com/google/go-github/v66/github"
	_ "github.com/sethvargo/go-githubactions"
	_ "github.com/stretchr/testify/require"
	_ "golang.org/x/oauth2"
	_ "gopkg.in/yaml.v3"
)
