-- Who added a member to a group (by hand; imports and directory syncs leave it empty): a
-- member of an MSPOrg group holding org grants reaches those orgs only once an
-- administrator other than whoever added them approves.
ALTER TABLE group_members ADD COLUMN added_by uuid;
