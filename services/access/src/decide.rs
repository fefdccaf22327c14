//! The decision: who may do what to which row, and the same rule as a listing's filter.

use strongroom_auth::RequestContext;
use strongroom_core::UserId;
use strongroom_proto::access::Operation;

/// PMP's entitlement model: a password is reachable by its owner or through a share.
/// Being an administrator (of the org or of the MSP) grants nothing by itself.
pub(crate) fn decide(ctx: &RequestContext, owner: UserId, operation: Operation) -> Decision {
    match operation {
        Operation::View | Operation::Reveal | Operation::Modify | Operation::Manage => {
            if owner == ctx.user() {
                Decision::OWNER
            } else {
                Decision::REFUSED
            }
        }
        Operation::Unspecified => Decision::REFUSED,
    }
}

/// The rows `decide` allows the caller `operation` on, as a filter a listing applies: today
/// the rows they own; shares add the resources and accounts shared with them.
pub(crate) fn scope(ctx: &RequestContext, operation: Operation) -> Scope {
    match operation {
        Operation::View | Operation::Reveal | Operation::Modify | Operation::Manage => Scope {
            owners: vec![ctx.user()],
        },
        Operation::Unspecified => Scope::default(),
    }
}

/// An answer, and whether it rests on ownership alone (the vault's row): an owner's rights
/// hold for every row they own, while a refusal may turn into a share's grant here at any
/// time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Decision {
    pub(crate) allowed: bool,
    pub(crate) as_owner: bool,
}

impl Decision {
    pub(crate) const OWNER: Self = Self {
        allowed: true,
        as_owner: true,
    };
    pub(crate) const REFUSED: Self = Self {
        allowed: false,
        as_owner: false,
    };
}

/// The rows a listing may show: those these users own.
#[derive(Debug, Default)]
pub(crate) struct Scope {
    pub(crate) owners: Vec<UserId>,
}

#[cfg(test)]
mod tests {
    use strongroom_auth::Claims;
    use strongroom_auth::Verifier;
    use strongroom_core::{OrgId, Role};

    use super::*;

    fn ctx(user: UserId, role: Role) -> RequestContext {
        let (private, public) = strongroom_auth::generate_keypair().unwrap();
        let signer = strongroom_auth::Signer::from_pem(private.as_bytes()).unwrap();
        let verifier = Verifier::from_pem(public.as_bytes()).unwrap();
        verifier
            .revocations()
            .mark_read(chrono::Utc::now().timestamp());
        let claims = Claims::for_role(user, OrgId::new(), "u", role, 60, "password");
        RequestContext::verify(&verifier, &signer.sign(&claims).unwrap(), None, None).unwrap()
    }

    #[test]
    fn only_the_owner_may_reveal_whatever_the_role() {
        let owner = UserId::new();
        assert_eq!(
            decide(&ctx(owner, Role::PasswordUser), owner, Operation::Reveal),
            Decision::OWNER
        );
        for role in Role::ALL {
            assert!(!decide(&ctx(UserId::new(), role), owner, Operation::Reveal).allowed);
        }
        assert!(
            !decide(
                &ctx(owner, Role::PasswordUser),
                owner,
                Operation::Unspecified
            )
            .allowed
        );
    }

    #[test]
    fn only_an_owners_answer_is_given_as_owner() {
        let owner = UserId::new();
        assert!(decide(&ctx(owner, Role::PasswordUser), owner, Operation::Reveal).as_owner);
        // A refusal may become a share's grant: the vault must ask again.
        let other = decide(
            &ctx(UserId::new(), Role::Administrator),
            owner,
            Operation::Reveal,
        );
        assert!(!other.allowed && !other.as_owner);
    }

    #[test]
    fn a_listing_shows_exactly_the_rows_a_check_allows() {
        let me = UserId::new();
        for role in Role::ALL {
            let ctx = ctx(me, role);
            for operation in [
                Operation::View,
                Operation::Reveal,
                Operation::Modify,
                Operation::Manage,
                Operation::Unspecified,
            ] {
                let scope = scope(&ctx, operation);
                for owner in [me, UserId::new()] {
                    let listed = scope.owners.contains(&owner);
                    assert_eq!(listed, decide(&ctx, owner, operation).allowed);
                }
            }
        }
    }
}
