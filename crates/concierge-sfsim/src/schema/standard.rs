//! The standard objects (Account, Contact, Case, CaseComment, User, Group,
//! KnowledgeArticleVersion and the `Knowledge__kav` article type) with the
//! fields, picklist values and relationships of a fresh Salesforce org.

use serde_json::Value;

use super::{ChildRelationship, FieldDef, FieldType, ObjectDef};

/// Compact field builders.
fn f(name: &str, label: &str, t: FieldType) -> FieldDef {
    FieldDef::new(name, label, t)
}

fn text(name: &str, label: &str, len: u32) -> FieldDef {
    let mut d = f(name, label, FieldType::String);
    d.length = len;
    d
}

fn read_only(mut d: FieldDef) -> FieldDef {
    d.createable = false;
    d.updateable = false;
    d
}

fn unique(mut d: FieldDef) -> FieldDef {
    d.unique = true;
    d
}

fn required(mut d: FieldDef) -> FieldDef {
    d.nillable = false;
    d
}

fn with_default(mut d: FieldDef, v: Value) -> FieldDef {
    d.default_value = Some(v);
    d.nillable = false;
    d
}

fn picklist(name: &str, label: &str, values: &[&str]) -> FieldDef {
    let mut d = f(name, label, FieldType::Picklist);
    d.length = 255;
    d.picklist_values = values.iter().map(|v| v.to_string()).collect();
    d
}

fn reference(name: &str, label: &str, to: &[&str], rel: &str) -> FieldDef {
    let mut d = f(name, label, FieldType::Reference);
    d.reference_to = to.iter().map(|v| v.to_string()).collect();
    d.relationship_name = Some(rel.to_string());
    d
}

fn boolean(name: &str, label: &str) -> FieldDef {
    with_default(f(name, label, FieldType::Boolean), Value::Bool(false))
}

/// Id, IsDeleted and the audit fields every object has.
fn system_fields() -> Vec<FieldDef> {
    vec![
        required(read_only(f("Id", "Record ID", FieldType::Id))),
        read_only(boolean("IsDeleted", "Deleted")),
        required(read_only(f(
            "CreatedDate",
            "Created Date",
            FieldType::DateTime,
        ))),
        required(read_only(reference(
            "CreatedById",
            "Created By ID",
            &["User"],
            "CreatedBy",
        ))),
        required(read_only(f(
            "LastModifiedDate",
            "Last Modified Date",
            FieldType::DateTime,
        ))),
        required(read_only(reference(
            "LastModifiedById",
            "Last Modified By ID",
            &["User"],
            "LastModifiedBy",
        ))),
        required(read_only(f(
            "SystemModstamp",
            "System Modstamp",
            FieldType::DateTime,
        ))),
    ]
}

fn object(name: &str, label: &str, plural: &str, prefix: &str, fields: Vec<FieldDef>) -> ObjectDef {
    let mut all = system_fields();
    all.extend(fields);
    ObjectDef {
        name: name.to_string(),
        label: label.to_string(),
        label_plural: plural.to_string(),
        key_prefix: prefix.to_string(),
        custom: name.ends_with("__c") || name.ends_with("__kav"),
        fields: all,
        child_relationships: Vec::new(),
    }
}

fn child(rel: &str, child_object: &str, field: &str) -> ChildRelationship {
    ChildRelationship {
        relationship_name: rel.to_string(),
        child_object: child_object.to_string(),
        field: field.to_string(),
    }
}

fn account() -> ObjectDef {
    let mut o = object(
        "Account",
        "Account",
        "Accounts",
        "001",
        vec![
            required(text("Name", "Account Name", 255)),
            picklist(
                "Type",
                "Account Type",
                &[
                    "Prospect",
                    "Customer - Direct",
                    "Customer - Channel",
                    "Channel Partner / Reseller",
                    "Installation Partner",
                    "Technology Partner",
                    "Other",
                ],
            ),
            picklist(
                "Industry",
                "Industry",
                &[
                    "Agriculture",
                    "Apparel",
                    "Banking",
                    "Biotechnology",
                    "Chemicals",
                    "Communications",
                    "Construction",
                    "Consulting",
                    "Education",
                    "Electronics",
                    "Energy",
                    "Engineering",
                    "Entertainment",
                    "Environmental",
                    "Finance",
                    "Food & Beverage",
                    "Government",
                    "Healthcare",
                    "Hospitality",
                    "Insurance",
                    "Machinery",
                    "Manufacturing",
                    "Media",
                    "Not For Profit",
                    "Recreation",
                    "Retail",
                    "Shipping",
                    "Technology",
                    "Telecommunications",
                    "Transportation",
                    "Utilities",
                    "Other",
                ],
            ),
            f("Phone", "Account Phone", FieldType::Phone),
            f("Website", "Website", FieldType::Url),
            f(
                "Description",
                "Account Description",
                FieldType::LongTextArea,
            ),
            reference("OwnerId", "Owner ID", &["User"], "Owner"),
        ],
    );
    o.child_relationships = vec![
        child("Contacts", "Contact", "AccountId"),
        child("Cases", "Case", "AccountId"),
    ];
    o
}

fn contact() -> ObjectDef {
    let mut o = object(
        "Contact",
        "Contact",
        "Contacts",
        "003",
        vec![
            text("FirstName", "First Name", 40),
            required(text("LastName", "Last Name", 80)),
            read_only(text("Name", "Full Name", 121)),
            f("Email", "Email", FieldType::Email),
            f("Phone", "Business Phone", FieldType::Phone),
            f("MobilePhone", "Mobile Phone", FieldType::Phone),
            text("Title", "Title", 128),
            reference("AccountId", "Account ID", &["Account"], "Account"),
            reference("OwnerId", "Owner ID", &["User"], "Owner"),
            f(
                "Description",
                "Contact Description",
                FieldType::LongTextArea,
            ),
        ],
    );
    o.child_relationships = vec![child("Cases", "Case", "ContactId")];
    o
}

fn case() -> ObjectDef {
    let mut description = f("Description", "Description", FieldType::LongTextArea);
    description.length = 32_000;
    let mut o = object(
        "Case",
        "Case",
        "Cases",
        "500",
        vec![
            read_only(f("CaseNumber", "Case Number", FieldType::AutoNumber)),
            text("Subject", "Subject", 255),
            description,
            with_default(
                picklist(
                    "Status",
                    "Status",
                    &["New", "Working", "Escalated", "Closed"],
                ),
                "New".into(),
            ),
            with_default(
                picklist("Priority", "Priority", &["High", "Medium", "Low"]),
                "Medium".into(),
            ),
            picklist("Origin", "Case Origin", &["Phone", "Email", "Web", "Chat"]),
            picklist(
                "Type",
                "Case Type",
                &[
                    "Mechanical",
                    "Electrical",
                    "Electronic",
                    "Structural",
                    "Problem",
                    "Feature Request",
                    "Question",
                    "Other",
                ],
            ),
            picklist(
                "Reason",
                "Case Reason",
                &[
                    "Installation",
                    "Equipment Complexity",
                    "Performance",
                    "Breakdown",
                    "Equipment Design",
                    "Feedback",
                    "User didn't attend training",
                    "Complex functionality",
                    "Existing problem",
                    "Instructions not clear",
                    "New problem",
                    "Other",
                ],
            ),
            reference("ContactId", "Contact ID", &["Contact"], "Contact"),
            reference("AccountId", "Account ID", &["Account"], "Account"),
            reference("OwnerId", "Owner ID", &["User", "Group"], "Owner"),
            reference("ParentId", "Parent Case ID", &["Case"], "Parent"),
            boolean("IsEscalated", "Escalated"),
            read_only(boolean("IsClosed", "Closed")),
            read_only(f("ClosedDate", "Closed Date", FieldType::DateTime)),
            f("SuppliedEmail", "Web Email", FieldType::Email),
            text("SuppliedName", "Web Name", 80),
            text("SuppliedCompany", "Web Company", 80),
            f("SuppliedPhone", "Web Phone", FieldType::Phone),
            read_only(f("ContactEmail", "Contact Email", FieldType::Email)),
            read_only(f("ContactPhone", "Contact Phone", FieldType::Phone)),
        ],
    );
    o.child_relationships = vec![
        child("CaseComments", "CaseComment", "ParentId"),
        child("Cases", "Case", "ParentId"),
    ];
    o
}

fn case_comment() -> ObjectDef {
    let mut parent = required(reference("ParentId", "Parent ID", &["Case"], "Parent"));
    parent.updateable = false;
    let mut body = f("CommentBody", "Body", FieldType::TextArea);
    body.length = 4000;
    object(
        "CaseComment",
        "Case Comment",
        "Case Comments",
        "00a",
        vec![parent, body, boolean("IsPublished", "Published")],
    )
}

fn user() -> ObjectDef {
    object(
        "User",
        "User",
        "Users",
        "005",
        vec![
            unique(required(text("Username", "Username", 80))),
            text("FirstName", "First Name", 40),
            required(text("LastName", "Last Name", 80)),
            read_only(text("Name", "Full Name", 121)),
            required(f("Email", "Email", FieldType::Email)),
            text("Alias", "Alias", 8),
            with_default(
                f("IsActive", "Active", FieldType::Boolean),
                Value::Bool(true),
            ),
            text("Title", "Title", 80),
            text("CompanyName", "Company Name", 80),
            with_default(
                text("TimeZoneSidKey", "Time Zone", 40),
                "America/Los_Angeles".into(),
            ),
            with_default(text("LanguageLocaleKey", "Language", 40), "en_US".into()),
            with_default(text("UserType", "User Type", 40), "Standard".into()),
        ],
    )
}

fn group() -> ObjectDef {
    object(
        "Group",
        "Group",
        "Groups",
        "00G",
        vec![
            required(text("Name", "Name", 40)),
            text("DeveloperName", "Developer Name", 80),
            with_default(
                picklist(
                    "Type",
                    "Type",
                    &["Regular", "Queue", "Role", "Organization"],
                ),
                "Regular".into(),
            ),
            f("Email", "Email", FieldType::Email),
        ],
    )
}

fn knowledge_fields(createable: bool) -> Vec<FieldDef> {
    let c = |d: FieldDef| if createable { d } else { read_only(d) };
    let mut summary = f("Summary", "Summary", FieldType::TextArea);
    summary.length = 1000;
    vec![
        read_only(text("KnowledgeArticleId", "Knowledge Article ID", 18)),
        required(c(text("Title", "Title", 255))),
        required(c(text("UrlName", "URL Name", 255))),
        c(summary),
        read_only(text("ArticleNumber", "Article Number", 30)),
        with_default(
            read_only(picklist(
                "PublishStatus",
                "Publication Status",
                &["Online", "Draft", "Archived"],
            )),
            "Draft".into(),
        ),
        with_default(c(text("Language", "Language", 40)), "en_US".into()),
        read_only(boolean("IsLatestVersion", "Is Latest Version")),
        read_only(boolean(
            "IsVisibleInPkb",
            "Visible in Public Knowledge Base",
        )),
        read_only(f(
            "LastPublishedDate",
            "Last Published Date",
            FieldType::DateTime,
        )),
        read_only(f("VersionNumber", "Version Number", FieldType::Int)),
    ]
}

fn knowledge_article_version() -> ObjectDef {
    object(
        "KnowledgeArticleVersion",
        "Knowledge Article Version",
        "Knowledge Article Versions",
        "ka0",
        knowledge_fields(false),
    )
}

fn knowledge_kav() -> ObjectDef {
    let mut fields = knowledge_fields(true);
    let mut body = f("Body__c", "Body", FieldType::LongTextArea);
    body.length = 131_072;
    fields.push(body);
    object("Knowledge__kav", "Knowledge", "Knowledge", "ka0", fields)
}

/// A user's login settings; Salesforce keeps one per user (created with the
/// user, never through the API). Unlocking a user locked out by failed
/// logins sets `IsPasswordLocked` to false.
fn user_login() -> ObjectDef {
    let mut user = required(reference("UserId", "User ID", &["User"], "User"));
    user.createable = false;
    user.updateable = false;
    object(
        "UserLogin",
        "User Login",
        "User Logins",
        "060",
        vec![
            user,
            boolean("IsPasswordLocked", "Is Password Locked"),
            boolean("IsFrozen", "Is Frozen"),
        ],
    )
}

/// Every standard object, in the order global describe lists them.
pub(super) fn objects() -> Vec<ObjectDef> {
    vec![
        account(),
        case(),
        case_comment(),
        contact(),
        group(),
        knowledge_article_version(),
        knowledge_kav(),
        user(),
        user_login(),
    ]
}
