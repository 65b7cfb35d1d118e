package admin

import "context"

// AdminByTokenID says who an admin token stands for while it is usable,
// by its id: a front end that keeps a session for a token (the console)
// asks on each request, so revoking the token, or its expiry, ends the
// session. EnvAdminName stands while REGISTRAR_ADMIN_TOKEN is set.
// Anything else is ErrUnauthorized. Admin tokens are few: a scan of them
// costs less than a lookup's index would.
func (s *Service) AdminByTokenID(ctx context.Context, id string) (Admin, error) {
	if id == EnvAdminName {
		if s.EnvAdminToken == "" {
			return Admin{}, ErrUnauthorized
		}
		return Admin{TokenID: EnvAdminName, Name: EnvAdminName}, nil
	}
	tokens, err := s.Store.ListAdminTokens(ctx)
	if err != nil {
		return Admin{}, err
	}
	now := s.Time()
	for _, t := range tokens {
		if t.ID == id && t.Usable(now) {
			return Admin{TokenID: t.ID, Name: t.Name}, nil
		}
	}
	return Admin{}, ErrUnauthorized
}
