"""Drives concierge-sfsim with simple-salesforce (a public Python client),
unchanged, over https with the simulator's self-signed certificate trusted
through REQUESTS_CA_BUNDLE. Prints what it saw as one JSON line.

Run by the Rust test `simple_salesforce::create_upsert_and_query` with
SIM_INSTANCE (host:port) and SIM_SESSION (an access token).
"""
import json
import os

from simple_salesforce import Salesforce


def main():
    sf = Salesforce(
        instance=os.environ["SIM_INSTANCE"],
        session_id=os.environ["SIM_SESSION"],
        version="59.0",
    )
    created = sf.Case.create({"Subject": "Created by simple-salesforce", "Origin": "Email"})
    upserted = sf.Case.upsert(
        "Concierge_Conversation_Id__c/ss-1", {"Subject": "Upserted by simple-salesforce"}
    )
    updated = sf.Case.update(created["id"], {"Status": "Working"})
    record = sf.Case.get(created["id"])
    result = sf.query_all(
        "SELECT Id, Subject FROM Case WHERE Subject LIKE '%by simple-salesforce' ORDER BY Subject"
    )
    described = sf.Case.describe()
    print(
        json.dumps(
            {
                "created": created,
                "upsert_status": upserted,
                "update_status": updated,
                "status": record["Status"],
                "total": result["totalSize"],
                "subjects": [r["Subject"] for r in result["records"]],
                "has_ext_field": any(
                    f["name"] == "Concierge_Conversation_Id__c" and f["externalId"]
                    for f in described["fields"]
                ),
                "api_usage": sf.api_usage.get("api-usage").used
                if sf.api_usage.get("api-usage")
                else None,
            }
        )
    )


if __name__ == "__main__":
    main()
