//! What every page shows around its content: the org, the signed-in user, the menu.

use strongroom_auth::RequestContext;
use strongroom_core::Permission;

use super::assets;
use crate::console::session::Visit;

/// What the frame around every page shows: where links go, the form token, the org, and
/// the signed-in user with the areas their role opens.
pub struct Chrome {
    pub base: String,
    pub csrf: String,
    pub org: Option<String>,
    pub me: Option<Me>,
    pub assets: &'static assets::Integrity,
}

/// The signed-in user, and which areas the menu offers them. The menu only hides what
/// the API would refuse anyway; the API decides.
pub struct Me {
    pub username: String,
    pub role: String,
    pub users: bool,
    pub groups: bool,
    pub roles: bool,
    pub settings: bool,
    pub directory: bool,
    pub audit: bool,
    /// An MSPOrg user who manages client orgs.
    pub orgs: bool,
}

impl Chrome {
    pub fn anonymous(visit: &Visit) -> Self {
        Self {
            base: visit.base.clone(),
            csrf: visit.csrf.clone(),
            org: visit.org.clone(),
            me: None,
            assets: assets::integrity(),
        }
    }

    pub fn signed(visit: &Visit, ctx: &RequestContext) -> Self {
        let home = ctx.claims.home_org() == ctx.org();
        Self {
            me: Some(Me {
                username: ctx.username().to_owned(),
                role: ctx.claims.role.clone(),
                users: ctx.can(Permission::UsersView),
                groups: ctx.can(Permission::GroupsManage),
                roles: ctx.can(Permission::RolesManage),
                settings: ctx.can(Permission::LoginSettingsManage),
                directory: ctx.can(Permission::DirectoryManage),
                audit: ctx.can(Permission::AuditView),
                orgs: home && visit.org.is_none() && ctx.can(Permission::OrgsManage),
            }),
            ..Self::anonymous(visit)
        }
    }
}
