//! Bookings of shared resources through the service: a clash between two instances is refused
//! and changes nothing, the booking rides on the event so that verify, replay and restore agree,
//! and it is released when its instance ends.

use std::path::Path;

use chrono::{DateTime, FixedOffset, NaiveDate};
use liucheng_engine::runtime::{Event, RuntimeError};
use liucheng_engine::service::{ActRequest, ExportFormat, ExportRequest, Service, ServiceError};
use liucheng_engine::SourceFile;
use serde_json::{json, Map, Value};

fn t(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).expect("test times are RFC 3339")
}

const T0: &str = "2026-03-09T15:00:00+08:00";

fn service() -> Service {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../workflows");
    let mut files: Vec<SourceFile> = std::fs::read_dir(&root)
        .expect("the library")
        .map(|e| e.expect("an entry").path())
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            name.ends_with(".yaml") && !name.ends_with(".test.yaml") && name != "org.yaml"
        })
        .map(|path| SourceFile { bytes: std::fs::read(&path).expect("readable"), path })
        .collect();
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let mut service = Service::in_memory().expect("memory");
    service.deploy(&files, t(T0)).expect("deploys");
    let org = root.join("org.yaml");
    service.load_org(&org, &std::fs::read(&org).expect("org"), t(T0)).expect("org loads");
    service
}

fn case(service: &mut Service, start: &str) -> i64 {
    let data: Map<String, Value> = serde_json::from_value(json!({
        "department": "普外科", "patient_name": "李秀英", "sex": "female", "age": 52, "bed_no": "12",
        "admission_no": "ZY2026031201", "preop_diagnosis": "胆囊结石", "operation_name": "腹腔镜胆囊切除术",
        "operation_site": "右上腹", "operation_method": "腹腔镜", "operation_date": "2026-03-10",
        "operation_start": start, "contaminated": false
    }))
    .expect("an object");
    service.start("or-patient-flow", "zhang_wei", data, t(T0)).expect("starts").instance
}

fn schedule(service: &mut Service, id: i64, theatre: &str) -> Result<(), ServiceError> {
    let request = ActRequest {
        instance: id,
        action: "scheduled".into(),
        state: None,
        actor: "wang_fang".into(),
        data: serde_json::from_value(json!({ "theatre": theatre })).expect("an object"),
        comment: None,
        expect_version: None,
        now: t(T0),
    };
    service.act(&request).map(|_| ())
}

#[test]
fn a_clash_is_refused_and_the_booking_is_released_when_its_case_ends() {
    let mut service = service();
    let first = case(&mut service, "2026-03-10T08:30:00+08:00");
    let second = case(&mut service, "2026-03-10T10:00:00+08:00");
    schedule(&mut service, first, "第3手术间").expect("the theatre is free");

    let version = service.show(second, None, t(T0)).unwrap().version;
    let refused = schedule(&mut service, second, "第3手术间").expect_err("the theatre is taken");
    match refused {
        ServiceError::Runtime(RuntimeError::BookingRefused { reason, .. }) => assert_eq!(
            reason,
            format!("it is already booked: or-patient-flow #{first} holds theatre 第3手术间 2026-03-10 08:30–11:30")
        ),
        other => panic!("expected booking-refused, got {other:?}"),
    }
    assert_eq!(service.show(second, None, t(T0)).unwrap().version, version, "a refusal writes nothing");

    let day = NaiveDate::from_ymd_opt(2026, 3, 10);
    let held = service.bookings(Some("theatre"), day).unwrap();
    assert_eq!(held.iter().map(|b| (b.instance, b.value.as_str())).collect::<Vec<_>>(), [(first, "第3手术间")]);
    assert!(service.bookings(Some("room"), None).unwrap().is_empty());
    assert!(service.bookings(None, NaiveDate::from_ymd_opt(2026, 3, 11)).unwrap().is_empty());

    service.cancel(first, "zhang_wei", "手术取消", t(T0)).expect("the ward doctor cancels");
    assert!(service.bookings(None, None).unwrap().is_empty(), "an ended case holds nothing");
    schedule(&mut service, second, "第3手术间").expect("the theatre is free again");
    assert_eq!(service.show(second, None, t(T0)).unwrap().bookings, ["theatre 第3手术间 2026-03-10 10:00–13:00"]);
}

const ROOMS: &str = r#"
id: room-booking
title: 会议室预订 / Room booking
version: 1
roles:
  office: { title: 办公室 / Office }
fields:
  room: { type: string, title: 会议室 / Room }
  meeting_start: { type: datetime, title: 开始 / Starts }
  meeting_end: { type: datetime, title: 结束 / Ends }
start:
  to: booking
  by: [office]
states:
  booking:
    title: 预订 / Book
    actions:
      booked:
        by: [office]
        requires: [room, meeting_start, meeting_end]
        books: { resource: room, value: room, from: meeting_start, until: meeting_end }
        to: held
  held:
    title: 开会 / Meeting
    actions:
      over: { by: [office], to: done }
  done: { end: done }
"#;

const ORG: &str = r#"
people:
  sun_li: { name: 孙丽, roles: [office] }
resources:
  room:
    A301: { title: 三楼会议室 }
"#;

#[test]
fn the_booking_is_on_the_event_so_verify_replay_and_restore_agree() {
    let mut service = Service::in_memory().unwrap();
    let file = SourceFile { path: "room-booking.yaml".into(), bytes: ROOMS.as_bytes().to_vec() };
    service.deploy(&[file], t(T0)).unwrap();
    service.load_org(Path::new("org.yaml"), ORG.as_bytes(), t(T0)).unwrap();
    let id = service.start("room-booking", "sun_li", Map::new(), t(T0)).unwrap().instance;
    let request = ActRequest {
        instance: id,
        action: "booked".into(),
        state: None,
        actor: "sun_li".into(),
        data: serde_json::from_value(json!({
            "room": "A301", "meeting_start": "2026-03-16T08:30:00+08:00", "meeting_end": "2026-03-16T10:00:00+08:00"
        }))
        .unwrap(),
        comment: None,
        expect_version: None,
        now: t(T0),
    };
    service.act(&request).unwrap();
    let rows = service.events(id).unwrap();
    let event: Event = serde_json::from_str(&rows.last().unwrap().payload).unwrap();
    assert_eq!(
        event.bookings.iter().map(ToString::to_string).collect::<Vec<_>>(),
        ["room A301 2026-03-16 08:30–10:00"]
    );
    assert_eq!(service.history(id).unwrap().last().unwrap().booked, ["room A301 2026-03-16 08:30–10:00"]);
    assert!(service.verify(&[]).unwrap().iter().all(|v| v.problem.is_none()));

    let mut export = Vec::new();
    service
        .export(&ExportRequest { ids: Vec::new(), from: None, to: None }, ExportFormat::Jsonl, t(T0), &mut export)
        .unwrap();
    let mut restored = Service::in_memory().unwrap();
    restored.restore(&mut export.as_slice()).unwrap();
    assert_eq!(restored.bookings(None, None).unwrap(), service.bookings(None, None).unwrap());
    assert!(restored.verify(&[]).unwrap().iter().all(|v| v.problem.is_none()));
    let second = restored.start("room-booking", "sun_li", Map::new(), t(T0)).unwrap().instance;
    let clash = ActRequest { instance: second, ..request };
    assert!(
        matches!(restored.act(&clash), Err(ServiceError::Runtime(RuntimeError::BookingRefused { .. }))),
        "the restored booking still holds"
    );
}
