//! Aggregate queries: `GROUP BY` and `COUNT(f)`, `COUNT_DISTINCT(f)`,
//! `MIN`, `MAX`, `SUM`, `AVG`, answered as `AggregateResult` records keyed by
//! the grouped fields' names and the aggregates' aliases (`expr0`, … without).

use std::cmp::Ordering;
use std::collections::{BTreeSet, HashMap};

use serde_json::{json, Value};

use super::eval::{sort_cmp, Evaluator};
use super::resolve::{RAgg, RQuery};
use crate::db::Record;

fn group_key(values: &[Value]) -> String {
    values
        .iter()
        .map(|v| match v {
            Value::String(s) => format!("s{}", s.to_lowercase()),
            other => other.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\u{1f}")
}

fn compute<'a>(ev: &Evaluator<'a>, agg: &RAgg, rows: &[&'a Record]) -> Value {
    let values: Vec<Value> = rows
        .iter()
        .map(|r| ev.value(r, &agg.path))
        .filter(|v| !v.is_null())
        .collect();
    match agg.func.as_str() {
        "COUNT" => json!(values.len()),
        "COUNT_DISTINCT" => {
            let distinct: BTreeSet<String> = values
                .iter()
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_lowercase))
                .collect();
            json!(distinct.len())
        }
        "MIN" | "MAX" => {
            let pick = values.into_iter().reduce(|a, b| {
                let o = sort_cmp(&a, &b, agg.path.ftype);
                let keep_a = if agg.func == "MIN" {
                    o != Ordering::Greater
                } else {
                    o != Ordering::Less
                };
                if keep_a {
                    a
                } else {
                    b
                }
            });
            pick.unwrap_or(Value::Null)
        }
        _ => {
            let nums: Vec<f64> = values.iter().filter_map(Value::as_f64).collect();
            if nums.is_empty() {
                return Value::Null;
            }
            let sum: f64 = nums.iter().sum();
            let v = if agg.func == "AVG" {
                sum / nums.len() as f64
            } else {
                sum
            };
            serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number)
        }
    }
}

/// Runs an aggregate query: one record per group (one in all without GROUP BY).
pub(crate) fn run<'a>(ev: &Evaluator<'a>, q: &RQuery) -> Vec<Record> {
    let mut plain = q.clone();
    plain.order.clear();
    plain.limit = None;
    plain.offset = None;
    let (rows, _) = ev.rows(&plain, None);
    let mut order: Vec<String> = Vec::new();
    let mut groups: HashMap<String, (Vec<Value>, Vec<&'a Record>)> = HashMap::new();
    if q.groups.is_empty() {
        order.push(String::new());
        groups.insert(String::new(), (Vec::new(), rows));
    } else {
        for r in rows {
            let values: Vec<Value> = q.groups.iter().map(|g| ev.value(r, g)).collect();
            let key = group_key(&values);
            let entry = groups.entry(key.clone()).or_insert_with(|| {
                order.push(key);
                (values, Vec::new())
            });
            entry.1.push(r);
        }
    }
    let mut out: Vec<(Vec<Value>, Record)> = order
        .iter()
        .filter_map(|k| groups.get(k))
        .map(|(values, rows)| {
            let mut rec = Record::new();
            rec.insert("attributes".into(), json!({"type": "AggregateResult"}));
            for (g, v) in q.groups.iter().zip(values) {
                rec.insert(g.field.clone(), v.clone());
            }
            for a in &q.aggs {
                rec.insert(a.key.clone(), compute(ev, a, rows));
            }
            (values.clone(), rec)
        })
        .collect();
    if !q.order.is_empty() {
        out.sort_by(|(a, _), (b, _)| {
            for (path, desc, nulls_first) in &q.order {
                let Some(i) = q.groups.iter().position(|g| g.field == path.field) else {
                    continue;
                };
                let (va, vb) = (&a[i], &b[i]);
                let o = match (va.is_null(), vb.is_null()) {
                    (true, true) => Ordering::Equal,
                    (true, false) if *nulls_first => Ordering::Less,
                    (true, false) => Ordering::Greater,
                    (false, true) if *nulls_first => Ordering::Greater,
                    (false, true) => Ordering::Less,
                    (false, false) => {
                        let o = sort_cmp(va, vb, path.ftype);
                        if *desc {
                            o.reverse()
                        } else {
                            o
                        }
                    }
                };
                if o != Ordering::Equal {
                    return o;
                }
            }
            Ordering::Equal
        });
    }
    out.into_iter()
        .map(|(_, r)| r)
        .skip(q.offset.unwrap_or(0))
        .take(q.limit.unwrap_or(usize::MAX))
        .collect()
}
