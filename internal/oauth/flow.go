package oauth

import (
	"github.com/registrar-dev/registrar/internal/store"
)

// FlowStore is what the grants of the browser flow and userinfo read and
// write: the codes the flow issued, the refresh tokens, the users.
type FlowStore interface {
	store.Users
	store.AuthCodes
	store.RefreshTokens
}

// Flow enables the grants and endpoints that follow a browser sign-in
// (the pages themselves are internal/interact's).
type Flow struct {
	Store FlowStore
	// Pairwise computes the sub a user is shown to pairwise clients
	// under (OIDC Core §8.1).
	Pairwise *PairwiseSubjects
}
