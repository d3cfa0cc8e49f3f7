#!/usr/bin/env python3
"""Writes Tests/KubeSiftCoreTests/Fixtures/eventhubs-capture.avro: the AKS sample's kube-audit
records as Azure Event Hubs Capture stores them when a diagnostic setting streams them to an event
hub — an Avro object container (codec deflate) of EventData records whose Body is one
`{"records":[…]}` message.

Written with fastavro (`pip install fastavro`), an Avro implementation independent of KubeSift's, so
the test reads what a real Avro writer produced. The schema is the one Event Hubs Capture documents
(https://learn.microsoft.com/azure/event-hubs/event-hubs-capture-overview). Deterministic: the
sync marker is fixed, and the records keep the sample's order.
"""
import io
import json
import os
import tarfile

import fastavro

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLE = os.path.join(ROOT, "samples/shop-aks/insights-logs-kube-audit.tar.gz")
OUTPUT = os.path.join(ROOT, "Tests/KubeSiftCoreTests/Fixtures/eventhubs-capture.avro")

SCHEMA = {
    "type": "record", "name": "EventData", "namespace": "Microsoft.ServiceBus.Messaging",
    "fields": [
        {"name": "SequenceNumber", "type": "long"},
        {"name": "Offset", "type": "string"},
        {"name": "EnqueuedTimeUtc", "type": "string"},
        {"name": "SystemProperties", "type": {"type": "map", "values": ["long", "double", "string", "bytes"]}},
        {"name": "Properties", "type": {"type": "map", "values": ["long", "double", "string", "bytes", "null"]}},
        {"name": "Body", "type": ["null", "bytes"]},
    ],
}


def sample_records():
    with tarfile.open(SAMPLE) as archive:
        members = sorted((m for m in archive.getmembers() if m.isfile()), key=lambda m: m.name)
        for member in members:
            for line in archive.extractfile(member).read().decode().splitlines():
                if line.strip():
                    yield line


def messages(lines, per_message=4):
    """Diagnostic settings batch several records into one event hub message."""
    batch = []
    for line in lines:
        batch.append(line)
        if len(batch) == per_message:
            yield batch
            batch = []
    if batch:
        yield batch


def main():
    records = []
    offset = 0
    for number, batch in enumerate(messages(sample_records())):
        body = ('{"records":[' + ",".join(batch) + "]}").encode()
        enqueued = json.loads(batch[-1])["time"]
        records.append({
            "SequenceNumber": number, "Offset": str(offset), "EnqueuedTimeUtc": enqueued,
            "SystemProperties": {"x-opt-enqueued-time": number}, "Properties": {},
            "Body": body,
        })
        offset += len(body)
    # Capture writes an empty-bodied event as null; keep one, as the reader must step over it.
    records.insert(3, {"SequenceNumber": -1, "Offset": "0", "EnqueuedTimeUtc": "", "SystemProperties": {},
                       "Properties": {"note": None}, "Body": None})
    buffer = io.BytesIO()
    fastavro.writer(buffer, fastavro.parse_schema(SCHEMA), records, codec="deflate", sync_interval=4000,
                    sync_marker=bytes(range(16)))
    with open(OUTPUT, "wb") as out:
        out.write(buffer.getvalue())
    print(f"{OUTPUT}: {len(records)} records, {len(buffer.getvalue())} bytes")


if __name__ == "__main__":
    main()
