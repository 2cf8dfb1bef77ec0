package sts

import (
	"context"
	"strings"
	"time"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/identity"
	"github.com/deskplane/deskplane/internal/service/env"
	"github.com/deskplane/deskplane/internal/smithy"
	"github.com/deskplane/deskplane/internal/stsapi"
)

// Session lengths (seconds).
const (
	defaultDuration  = 3600
	rootMaxDuration  = 3600 // GetSessionToken for an account's root
	chainMaxDuration = 3600 // AssumeRole with the credentials of a role
	packedPolicyMax  = 2048 // the packed size that is 100 %
)

func value[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// principal is who a caller is: the account root (the configured keys,
// GetSessionToken sessions) or an assumed-role session.
type principal struct {
	account, partition string
	arn, userID        string
	role               *identity.Session // the caller's role session, if it is one
}

func rootARN(partition, account string) string {
	return "arn:" + partition + ":iam::" + account + ":root"
}

// who reads the caller's identity in tx: the session of temporary
// credentials, the account root otherwise (docs/decisions/0292-sts-temporary-credentials.md).
func who(tx deskplane.Tx, c deskplane.Caller) (principal, error) {
	p := principal{account: c.Account, partition: deskplane.Partition(c.Region)}
	p.arn, p.userID = rootARN(p.partition, p.account), p.account
	if !c.Temporary {
		return p, nil
	}
	sess, found, err := identity.Sessions().Get(tx, deskplane.GlobalScope(), c.AccessKey)
	if err != nil {
		return p, err
	}
	if !found {
		return p, deskplane.Errorf(deskplane.CodeInternal, "the session of %s is gone", c.AccessKey)
	}
	p.arn, p.userID = sess.ARN, sess.UserID
	if sess.RoleName != "" {
		p.role = sess
	}
	return p, nil
}

// principals are the ARNs a trust policy may name the caller by.
func (p principal) principals() []string {
	out := []string{p.arn}
	if p.role != nil {
		out = append(out, p.role.RoleARN)
	}
	return out
}

func (s *Service) GetCallerIdentity(ctx context.Context, _ *stsapi.GetCallerIdentityRequest) (*stsapi.GetCallerIdentityResponse, error) {
	c := env.Caller(ctx)
	var p principal
	err := s.Store.View(ctx, func(tx deskplane.Tx) error {
		var err error
		p, err = who(tx, c)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &stsapi.GetCallerIdentityResponse{UserId: new(p.userID), Account: new(p.account), Arn: new(p.arn)}, nil
}

// noMFA refuses a request that names an MFA device: deskplane has none.
func noMFA(serial, code *string) error {
	if serial == nil && code == nil {
		return nil
	}
	return deskplane.Errorf(deskplane.CodeAccessDenied, "MultiFactorAuthentication failed: deskplane has no MFA devices, so the device %q cannot be validated.", value(serial))
}

func wireCredentials(c Credential, token string, expires time.Time) *stsapi.Credentials {
	return &stsapi.Credentials{
		AccessKeyId:     new(c.AccessKeyID),
		SecretAccessKey: new(c.SecretAccessKey),
		SessionToken:    new(token),
		Expiration:      smithy.NewTimestamp(expires.UTC()),
	}
}

// GetSessionToken issues temporary credentials that act as the caller's
// account root, for at most an hour (AWS's limit for an account's root
// user). Temporary credentials cannot get more.
func (s *Service) GetSessionToken(ctx context.Context, in *stsapi.GetSessionTokenRequest) (*stsapi.GetSessionTokenResponse, error) {
	c := env.Caller(ctx)
	if c.Temporary {
		return nil, deskplane.Errorf(deskplane.CodeAccessDenied, "Cannot call GetSessionToken with session credentials")
	}
	if err := noMFA(in.SerialNumber, in.TokenCode); err != nil {
		return nil, err
	}
	d := min(value(in.DurationSeconds), rootMaxDuration)
	if d == 0 {
		d = rootMaxDuration
	}
	now := s.Now().UTC().Truncate(time.Second)
	expires := now.Add(time.Duration(d) * time.Second)
	partition := deskplane.Partition(c.Region)
	var cred Credential
	var token string
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		key, err := ensureKey(tx)
		if err != nil {
			return err
		}
		cred, token, err = issue(tx, key, identity.Session{
			Account: c.Account, Issued: now, Expires: expires,
			ARN: rootARN(partition, c.Account), UserID: c.Account,
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return &stsapi.GetSessionTokenResponse{Credentials: wireCredentials(cred, token, expires)}, nil
}

// roleRef is what a role ARN names.
type roleRef struct {
	account, path, name string
}

// parseRoleARN reads arn:PARTITION:iam::ACCOUNT:role/PATH/NAME.
func parseRoleARN(arn string) (roleRef, error) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[1] == "" || parts[2] != "iam" || parts[3] != "" || len(parts[4]) != 12 {
		return roleRef{}, deskplane.Errorf(deskplane.CodeValidation, "%s is invalid: RoleArn must be the ARN of an IAM role, arn:aws:iam::ACCOUNT:role/NAME.", arn)
	}
	res, ok := strings.CutPrefix(parts[5], "role/")
	if !ok || res == "" || strings.HasSuffix(res, "/") {
		return roleRef{}, deskplane.Errorf(deskplane.CodeValidation, "%s is invalid: RoleArn must be the ARN of an IAM role, arn:aws:iam::ACCOUNT:role/NAME.", arn)
	}
	i := strings.LastIndexByte(res, '/')
	return roleRef{account: parts[4], path: "/" + res[:i+1], name: res[i+1:]}, nil
}

// packedSize is the share of the session's packed policy space that its
// session policy, policy ARNs and tags take, in percent
// (docs/decisions/0292-sts-temporary-credentials.md).
func packedSize(in *stsapi.AssumeRoleRequest) (int32, bool) {
	if in.Policy == nil && len(in.PolicyArns) == 0 && len(in.Tags) == 0 {
		return 0, false
	}
	n := 0
	if in.Policy != nil {
		n += len(identity.CompactPolicy(*in.Policy))
	}
	for _, a := range in.PolicyArns {
		n += len(value(a.Arn))
	}
	for _, t := range in.Tags {
		n += len(value(t.Key)) + len(value(t.Value))
	}
	return int32((n*100 + packedPolicyMax - 1) / packedPolicyMax), true
}

// AssumeRole issues temporary credentials of a role in any account whose
// trust policy names the caller (identity.PolicyDocument.Allows; no
// permission of the caller is evaluated). A role that does not exist is
// refused like one that does not trust the caller, as AWS does.
func (s *Service) AssumeRole(ctx context.Context, in *stsapi.AssumeRoleRequest) (*stsapi.AssumeRoleResponse, error) {
	c := env.Caller(ctx)
	roleArn, sessionName := value(in.RoleArn), value(in.RoleSessionName)
	ref, err := parseRoleARN(roleArn)
	if err != nil {
		return nil, err
	}
	if err := noMFA(in.SerialNumber, in.TokenCode); err != nil {
		return nil, err
	}
	if in.Policy != nil {
		if _, err := identity.ParsePolicy(*in.Policy, identity.IdentityPolicy); err != nil {
			return nil, err
		}
	}
	for _, a := range in.PolicyArns {
		if arn := value(a.Arn); !strings.HasPrefix(arn, "arn:") || !strings.Contains(arn, ":policy/") {
			return nil, deskplane.Errorf(deskplane.CodeValidation, "%s is invalid: PolicyArns must be ARNs of managed policies.", arn)
		}
	}
	packed, hasPacked := packedSize(in)
	if packed > 100 {
		return nil, deskplane.Errorf(deskplane.CodeLimitExceeded, "Packed policy consumes %d%% of allotted space, please use smaller policy.", packed)
	}
	now := s.Now().UTC().Truncate(time.Second)
	var out stsapi.AssumeRoleResponse
	err = s.Store.Update(ctx, func(tx deskplane.Tx) error {
		p, err := who(tx, c)
		if err != nil {
			return err
		}
		denied := deskplane.Errorf(deskplane.CodeAccessDenied, "User: %s is not authorized to perform: sts:AssumeRole on resource: %s", p.arn, roleArn)
		role, found, err := identity.Roles().Get(tx, identity.IAMScope(ref.account), identity.RoleKey(ref.name))
		if err != nil {
			return err
		}
		if !found || role.Path != ref.path {
			return denied
		}
		trust, err := identity.ParsePolicy(role.TrustPolicy, identity.TrustPolicy)
		if err != nil || !trust.Allows(identity.AssumeRoleRequest{Account: p.account, Principals: p.principals(), ExternalID: value(in.ExternalId)}) {
			return denied
		}
		d := value(in.DurationSeconds)
		switch {
		case d == 0:
			d = defaultDuration
		case p.role != nil && d > chainMaxDuration:
			return deskplane.Errorf(deskplane.CodeValidation, "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
		case d > role.MaxSession:
			return deskplane.Errorf(deskplane.CodeValidation, "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
		}
		expires := now.Add(time.Duration(d) * time.Second)
		key, err := ensureKey(tx)
		if err != nil {
			return err
		}
		partition := deskplane.Partition(c.Region)
		sess := identity.Session{
			Account: ref.account, Issued: now, Expires: expires,
			ARN:      "arn:" + partition + ":sts::" + ref.account + ":assumed-role/" + role.Name + "/" + sessionName,
			UserID:   role.ID + ":" + sessionName,
			RoleName: role.Name, RoleID: role.ID, RoleARN: identity.RoleARN(partition, ref.account, role),
			SessionName: sessionName, SourceIdentity: value(in.SourceIdentity),
		}
		cred, token, err := issue(tx, key, sess)
		if err != nil {
			return err
		}
		role.LastUsed, role.LastUsedRegion = now, c.Region
		if err := identity.Roles().Put(tx, identity.IAMScope(ref.account), identity.RoleKey(role.Name), role); err != nil {
			return err
		}
		out = stsapi.AssumeRoleResponse{
			Credentials:     wireCredentials(cred, token, expires),
			AssumedRoleUser: &stsapi.AssumedRoleUser{AssumedRoleId: new(sess.UserID), Arn: new(sess.ARN)},
			SourceIdentity:  optional(sess.SourceIdentity),
		}
		if hasPacked {
			out.PackedPolicySize = new(packed)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}
