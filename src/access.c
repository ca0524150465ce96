/*-------------------------------------------------------------------------
 *
 * access.c
 *	  Who is calling and what it may act on: the role outside every
 *	  SECURITY DEFINER function, which the access checks of the officer,
 *	  payment and administrator functions are made against; the offices an
 *	  officer is bound to, checked by every officer function and by the
 *	  setting that row-level security reads.
 *
 * Inside a SECURITY DEFINER function current_user is the function's owner;
 * the role that called it (the session's role after any SET ROLE) is the
 * "outer" user id.  Checks made against it cannot be widened by a setting
 * the caller chooses.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/parallel.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_type.h"
#include "commands/dbcommands.h"
#include "common/md5.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"

#include "passport.h"

/* CallingRole returns the role outside any SECURITY DEFINER function. */
Oid
CallingRole(void)
{
	return GetOuterUserId();
}

/* CallingRoleName returns the name of CallingRole(). */
char *
CallingRoleName(void)
{
	return GetUserNameFromId(CallingRole(), false);
}

PG_FUNCTION_INFO_V1(passport_calling_role);

/* passport_calling_role is passport.calling_role(): the role that called. */
Datum
passport_calling_role(PG_FUNCTION_ARGS)
{
	PG_RETURN_DATUM(DirectFunctionCall1(namein, CStringGetDatum(CallingRoleName())));
}

/*
 * CallerHasRole tells whether the calling role is a superuser or has the
 * privileges of role rolname.
 */
bool
CallerHasRole(const char *rolname)
{
	Oid			role = CallingRole();
	Oid			group;

	if (superuser_arg(role))
		return true;
	group = get_role_oid(rolname, true);
	return OidIsValid(group) && has_privs_of_role(role, group);
}

/* ---- officers and their offices ------------------------------------------ */

/*
 * RequireOfficeAccess raises 42501 unless the calling role may act on the
 * office: a superuser, an administrator, or a role bound to the office by
 * passport.bind_officer() (directly or through a role it belongs to).  An
 * office that does not exist passes (the caller answers "not found" as it
 * would for anybody).  The caller holds an SPI connection.  Called by every
 * function an officer may call, before it reads or changes anything of the
 * office.
 */
void
RequireOfficeAccess(int64 office_id)
{
	static SPIPlanPtr plan = NULL;
	static const Oid types[2] = {INT8OID, OIDOID};
	Datum		values[2];
	bool		isnull;
	char	   *code;

	if (CallerHasRole("passport_admin"))
		return;
	values[0] = Int64GetDatum(office_id);
	values[1] = ObjectIdGetDatum(CallingRole());
	if (PassportExecute(PassportPrepare(&plan,
										"SELECT o.code, EXISTS ( "
										"         SELECT 1 FROM passport.officer_office b "
										"           JOIN pg_catalog.pg_roles r ON r.rolname = b.role_name "
										"          WHERE b.office_id = o.office_id "
										"            AND pg_catalog.pg_has_role($2, r.oid, 'MEMBER')) "
										"  FROM passport.office o WHERE o.office_id = $1",
										2, types),
						values, NULL, true, 1) != 1)
		return;					/* no such office: the caller reports not found */
	/* columns: office code, whether the caller is bound to it */
	PassportExpectColumns(2);
	if (DatumGetBool(PassportGetDatum(0, 2, &isnull)))
		return;
	code = PassportGetText(0, 1);
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("role \"%s\" is not bound to office \"%s\"", CallingRoleName(), code),
			 errdetail("An officer acts only on the offices an administrator bound it to."),
			 errhint("An administrator binds officers with passport.bind_officer().")));
}

/*
 * The office scope: the setting passport.office names the offices whose
 * rows an officer's queries see through row-level security.  Its check
 * hook admits only offices the calling role is bound to (administrators and
 * superusers: any), so the setting cannot widen anybody's view; the policies
 * compare office_id with passport.office_scope(), which reads the checked
 * list and no table (row-level security on distributed tables must not
 * read tables).  SET LOCAL scopes it to a transaction.
 */
typedef struct OfficeScope
{
	int			count;
	int64		ids[FLEXIBLE_ARRAY_MEMBER];
} OfficeScope;

static char *passport_office = NULL;
static const OfficeScope *office_scope = NULL;

/* ScopeOffices splits a comma separated list of codes into an upper-case text[]. */
static Datum
ScopeOffices(const char *list, int *count)
{
	char	   *copy = pstrdup(list);
	char	   *tok;
	char	   *save = NULL;
	Datum	   *items = palloc(sizeof(Datum) * (strlen(list) / 2 + 2));
	int			n = 0;

	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
	{
		char	   *p;

		while (*tok == ' ')
			tok++;
		for (p = tok + strlen(tok); p > tok && p[-1] == ' '; p--)
			p[-1] = '\0';
		for (p = tok; *p; p++)
			*p = pg_toupper((unsigned char) *p);
		if (*tok)
			items[n++] = CStringGetTextDatum(tok);
	}
	*count = n;
	return PointerGetDatum(construct_array(items, n, TEXTOID, -1, false, TYPALIGN_INT));
}

/*
 * On a distributed installation the workers check the setting too: Citus
 * sends a SET LOCAL of passport.office with the transaction's first
 * statement to every worker it uses (citus.propagate_set_commands =
 * 'local'), where it arrives on a connection of Citus's own
 * (application_name "citus_internal gpid=..."), in which Citus refuses to
 * read its tables (it is not yet in its distributed transaction then, or
 * already inside a query on a shard).  There the binding is read from role
 * membership instead, which needs no table: passport.sync_office_roles()
 * grants each bound role the office's role, named
 * passport_office_<number>_<code in lower case>_<tag>, where the tag
 * (OfficeRoleTag) tells this database's offices from those of another
 * database of the same PostgreSQL cluster (roles are cluster-wide).
 */
#define OFFICE_ROLE_PREFIX "passport_office_"

/* InCitusConnection tells whether this backend serves a Citus connection. */
static bool
InCitusConnection(void)
{
	return application_name != NULL &&
		strncmp(application_name, "citus_internal gpid=", 20) == 0;
}

/*
 * OfficeRoleTag writes into tag (9 bytes) the first 8 hex digits of the MD5
 * of the database's name: the same on every node of a Citus cluster (its
 * nodes share the database name), different for another database.
 */
static void
OfficeRoleTag(char *tag)
{
	char	   *dbname = get_database_name(MyDatabaseId);
	char		hex[33];
	const char *errstr = NULL;

	if (dbname == NULL || !pg_md5_hash(dbname, strlen(dbname), hex, &errstr))
		elog(ERROR, "could not compute the office role tag: %s", errstr ? errstr : "no database");
	memcpy(tag, hex, 8);
	tag[8] = '\0';
}

/*
 * ScopeFromRoles fills scope with the numbers of the offices named in codes
 * (upper case) from the office roles in pg_authid: for a caller who sees all
 * offices any office that has a role, else only offices whose role the
 * caller has the privileges of.  Returns the first code it could not admit,
 * or NULL.
 */
static char *
ScopeFromRoles(char **codes, int count, Oid caller, bool sees_all, OfficeScope *scope)
{
	Relation	rel;
	SysScanDesc scan;
	HeapTuple	tuple;
	char		tag[9];
	size_t		prefix_len = strlen(OFFICE_ROLE_PREFIX);
	int64	   *ids = palloc0(sizeof(int64) * Max(count, 1));
	int			i;

	OfficeRoleTag(tag);
	rel = table_open(AuthIdRelationId, AccessShareLock);
	scan = systable_beginscan(rel, InvalidOid, false, NULL, 0, NULL);
	while ((tuple = systable_getnext(scan)) != NULL)
	{
		Form_pg_authid role = (Form_pg_authid) GETSTRUCT(tuple);
		const char *name = NameStr(role->rolname);
		size_t		len = strlen(name);
		char	   *end;
		int64		id;

		/* passport_office_<number>_<code>_<tag> */
		if (len < prefix_len + 12 || strncmp(name, OFFICE_ROLE_PREFIX, prefix_len) != 0 ||
			strcmp(name + len - 8, tag) != 0 || name[len - 9] != '_')
			continue;
		id = strtoll(name + prefix_len, &end, 10);
		if (id < 1 || *end != '_')
			continue;
		for (i = 0; i < count; i++)
		{
			size_t		code_len = strlen(codes[i]);

			if (ids[i] == 0 && (size_t) (name + len - 9 - (end + 1)) == code_len &&
				pg_strncasecmp(end + 1, codes[i], code_len) == 0 &&
				(sees_all || has_privs_of_role(caller, role->oid)))
				ids[i] = id;
		}
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	for (i = 0; i < count; i++)
	{
		if (ids[i] != 0)
			scope->ids[scope->count++] = ids[i];
		else if (!sees_all)
			return codes[i];
	}
	return NULL;
}

PG_FUNCTION_INFO_V1(passport_office_role_tag);

/*
 * passport_office_role_tag is passport.office_role_tag(): the tag of this
 * database's office roles (OfficeRoleTag).
 */
Datum
passport_office_role_tag(PG_FUNCTION_ARGS)
{
	char		tag[9];

	OfficeRoleTag(tag);
	PG_RETURN_TEXT_P(cstring_to_text(tag));
}

/*
 * CheckOfficeScope admits an empty value, or a list of office codes that
 * all exist and that the calling role may act on.  Only SET, SET LOCAL and
 * set_config() may set it: a per-role or per-database default would be
 * checked against the wrong role.  The lookup runs as the bootstrap
 * superuser, since officers read neither the bindings nor the roles'
 * memberships themselves.  On a Citus connection the offices' roles
 * answer instead (see above).
 */
static bool
CheckOfficeScope(char **newval, void **extra, GucSource source)
{
	static SPIPlanPtr plan = NULL;
	static const Oid types[3] = {TEXTARRAYOID, OIDOID, BOOLOID};
	OfficeScope *scope;
	Datum		values[3];
	Oid			save_userid;
	int			save_sec;
	int			count;
	int			i;
	char	   *volatile refused = NULL;
	volatile bool unknown = false;

	if (*newval == NULL || (*newval)[0] == '\0' || IsParallelWorker())
	{
		scope = malloc(offsetof(OfficeScope, ids));
		if (scope == NULL)
			return false;
		scope->count = 0;
		*extra = scope;
		return true;
	}
	if (source != PGC_S_SESSION || !IsTransactionState())
	{
		GUC_check_errdetail("passport.office is set with SET, SET LOCAL or set_config() in a session.");
		return false;
	}

	values[0] = ScopeOffices(*newval, &count);
	values[1] = ObjectIdGetDatum(CallingRole());
	values[2] = BoolGetDatum(CallerHasRole("passport_admin"));
	/* GUC extras live in malloc'd memory, which the GUC machinery frees */
	scope = malloc(offsetof(OfficeScope, ids) + sizeof(int64) * Max(count, 1));
	if (scope == NULL)
		return false;
	scope->count = 0;

	if (InCitusConnection())
	{
		Datum	   *items;
		bool	   *itemnulls;
		char	  **codes;
		int			nitems;

		deconstruct_array(DatumGetArrayTypeP(values[0]), TEXTOID, -1, false, TYPALIGN_INT,
						  &items, &itemnulls, &nitems);
		codes = palloc(sizeof(char *) * Max(nitems, 1));
		for (i = 0; i < nitems; i++)
			codes[i] = TextDatumGetCString(items[i]);
		refused = ScopeFromRoles(codes, nitems, CallingRole(), DatumGetBool(values[2]), scope);
		if (refused != NULL)
		{
			free(scope);
			GUC_check_errcode(ERRCODE_INSUFFICIENT_PRIVILEGE);
			GUC_check_errmsg("role \"%s\" is not bound to office \"%s\"", CallingRoleName(), refused);
			GUC_check_errhint("An administrator binds officers with passport.bind_officer().");
			return false;
		}
		*extra = scope;
		return true;
	}

	GetUserIdAndSecContext(&save_userid, &save_sec);
	SetUserIdAndSecContext(BOOTSTRAP_SUPERUSERID, save_sec | SECURITY_LOCAL_USERID_CHANGE);
	PG_TRY();
	{
		PassportConnect();
		PassportExecute(PassportPrepare(&plan,
										"SELECT c.code, o.office_id, $3 OR EXISTS ( "
										"         SELECT 1 FROM passport.officer_office b "
										"           JOIN pg_catalog.pg_roles r ON r.rolname = b.role_name "
										"          WHERE b.office_id = o.office_id "
										"            AND pg_catalog.pg_has_role($2, r.oid, 'MEMBER')) "
										"  FROM pg_catalog.unnest($1) WITH ORDINALITY AS c(code, n) "
										"  LEFT JOIN passport.office o ON o.code = c.code "
										" ORDER BY c.n",
										3, types),
						values, NULL, true, 0);
		/* columns: code, office number (NULL if unknown), whether the caller may act on it */
		PassportExpectColumns(3);
		for (i = 0; i < (int) SPI_processed; i++)
		{
			bool		isnull;
			Datum		id = PassportGetDatum(i, 2, &isnull);

			if (isnull)
			{
				unknown = true;
				refused = pstrdup(PassportGetText(i, 1));
				break;
			}
			if (!DatumGetBool(PassportGetDatum(i, 3, &isnull)))
			{
				refused = pstrdup(PassportGetText(i, 1));
				break;
			}
			scope->ids[scope->count++] = DatumGetInt64(id);
		}
		PassportFinish();
	}
	PG_FINALLY();
	{
		SetUserIdAndSecContext(save_userid, save_sec);
	}
	PG_END_TRY();

	if (refused != NULL)
	{
		free(scope);
		if (unknown)
		{
			GUC_check_errcode(ERRCODE_PP_OFFICE_UNKNOWN);
			GUC_check_errmsg("unknown office \"%s\"", refused);
			GUC_check_errdetail("No office has this code.");
		}
		else
		{
			GUC_check_errcode(ERRCODE_INSUFFICIENT_PRIVILEGE);
			GUC_check_errmsg("role \"%s\" is not bound to office \"%s\"", CallingRoleName(), refused);
			GUC_check_errhint("An administrator binds officers with passport.bind_officer().");
		}
		return false;
	}
	*extra = scope;
	return true;
}

/* AssignOfficeScope keeps the checked list for passport.office_scope(). */
static void
AssignOfficeScope(const char *newval, void *extra)
{
	office_scope = (const OfficeScope *) extra;
}

/* DefineOfficeScope defines the setting passport.office (from _PG_init). */
void
DefineOfficeScope(void)
{
	DefineCustomStringVariable("passport.office",
							   "Offices whose rows an officer's queries see (row-level security).",
							   "Comma separated office codes the role is bound to; SET LOCAL scopes it to one transaction.",
							   &passport_office, "",
							   PGC_USERSET, 0,
							   CheckOfficeScope, AssignOfficeScope, NULL);
}

PG_FUNCTION_INFO_V1(passport_office_scope);

/*
 * passport_office_scope is passport.office_scope(): the office numbers of
 * the checked setting passport.office (empty when unset).
 */
Datum
passport_office_scope(PG_FUNCTION_ARGS)
{
	int			n = office_scope ? office_scope->count : 0;
	Datum	   *items = palloc(sizeof(Datum) * Max(n, 1));
	int			i;

	for (i = 0; i < n; i++)
		items[i] = Int64GetDatum(office_scope->ids[i]);
	PG_RETURN_ARRAYTYPE_P(construct_array(items, n, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

PG_FUNCTION_INFO_V1(passport_sees_all_offices);

/*
 * passport_sees_all_offices is passport.sees_all_offices(): whether the
 * current user is a superuser or an administrator, whom row-level security
 * shows every office.
 */
Datum
passport_sees_all_offices(PG_FUNCTION_ARGS)
{
	Oid			admin;

	if (superuser())
		PG_RETURN_BOOL(true);
	admin = get_role_oid("passport_admin", true);
	PG_RETURN_BOOL(OidIsValid(admin) && has_privs_of_role(GetUserId(), admin));
}

PG_FUNCTION_INFO_V1(passport_require_office);

/*
 * passport_require_office is passport.require_office(office_id), for the
 * lookups both adapters and officers call: an officer that is not also an
 * adapter must be bound to the office of what it looks up (42501).
 */
Datum
passport_require_office(PG_FUNCTION_ARGS)
{
	if (!PG_ARGISNULL(0) && CallerHasRole("passport_officer") && !CallerHasRole("passport_adapter"))
	{
		PassportConnect();
		RequireOfficeAccess(PG_GETARG_INT64(0));
		PassportFinish();
	}
	PG_RETURN_VOID();
}
