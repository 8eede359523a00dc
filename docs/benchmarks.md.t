 1000 POST /inbox (near copies and repeated links mixed in) deduplicated and matched at ≥ 50 items/s | ❌ not met 
 304 poll of a list: one Query of the page (no counter, no table-wide item) | ✅ met 
 304 poll of a thread: one round trip of ≤ 0.5 RCU | ✅ met 
 GET thread: one round trip | ✅ met 
 POST /threads/{id}/updates (a note, no key): ≤ 1 read + 1 transactional write | ✅ met 
 POST /threads/{id}/updates (same status, no key): ≤ 1 read + 1 transactional write | ✅ met 
 POST /threads/{id}/updates (status changes): ≤ 1 read + 1 transactional write | ✅ met 
 POST /threads/{id}/updates with Idempotency-Key: ≤ 1 read + 1 transactional write + the idempotency record | ✅ met 
 POST /threads/{id}/updates with If-Match: ≤ 1 read + 1 transactional write | ✅ met 
 `?stale=true` among 10,000 threads reads at most limit + 1 items | ✅ met 
 a list 304 costs only the page read (no counter, no table-wide item) | ✅ met 
 a list page: one Query | ✅ met 
 a note, 400-character summary: ≤ 10 WCU | ❌ not met 
 a status change, 400-character summary: ≤ 12 WCU | ❌ not met 
 an Idempotency-Key adds ≤ 2 WCU (400-character summary) | ❌ not met 
 contention: all 800 updates kept | ✅ met 
 contention: version exact | ✅ met 
 every list page reads within its bound (O(page), not O(table)) | ❌ not met 
 export peak RSS flat (10000 vs 100000 updates, within 10%) | ❌ not met 
 first-request cold start authorizer ≤ 1.3× the floor | ✅ met 
 first-request cold start deliveries ≤ 1.3× the floor | ❌ not met 
 first-request cold start feeds ≤ 1.3× the floor | ❌ not met 
 first-request cold start health ≤ 1.3× the floor | ✅ met 
 first-request cold start inbox ≤ 1.3× the floor | ❌ not met 
 first-request cold start kinds ≤ 1.3× the floor | ✅ met 
 first-request cold start live-authorizer ≤ 1.3× the floor | ✅ met 
 first-request cold start live-connections ≤ 1.3× the floor | ❌ not met 
 first-request cold start live-fanout ≤ 1.3× the floor | ❌ not met 
 first-request cold start outbox-relay ≤ 1.3× the floor | ✅ met 
 first-request cold start scenario-import ≤ 1.3× the floor | ❌ not met 
 first-request cold start scenario-recount ≤ 1.3× the floor | ✅ met 
 first-request cold start search-indexer ≤ 1.3× the floor | ✅ met 
 first-request cold start source-poller ≤ 1.3× the floor | ❌ not met 
 first-request cold start source-schedule ≤ 1.3× the floor | ✅ met 
 first-request cold start stale-check ≤ 1.3× the floor | ❌ not met 
 first-request cold start subscriptions ≤ 1.3× the floor | ✅ met 
 first-request cold start threads-read ≤ 1.3× the floor | ❌ not met 
 first-request cold start threads-write below the peer (middy + Powertools) | ❌ not met 
 first-request cold start threads-write ≤ 0.65× main's CommonJS bundle | ❌ not met 
 first-request cold start threads-write ≤ 1.3× the floor | ❌ not met 
 first-request cold start tokens ≤ 1.3× the floor | ✅ met 
 matching (all languages): top-1 precision ≥ 0.9 at recall ≥ 0.8, ≥ 0.95 of unrelated unmatched, status right ≥ 0.8 | ✅ met 
 matching (en): top-1 precision ≥ 0.9 at recall ≥ 0.8, ≥ 0.95 of unrelated unmatched, status right ≥ 0.8 | ✅ met 
 matching (ru): top-1 precision ≥ 0.9 at recall ≥ 0.8, ≥ 0.95 of unrelated unmatched, status right ≥ 0.8 | ✅ met 
 matching (uk): top-1 precision ≥ 0.9 at recall ≥ 0.8, ≥ 0.95 of unrelated unmatched, status right ≥ 0.8 | ✅ met 
 search p95 ≤ 2× GET /threads/{id} p95 (every query above) | ❌ not met 
 stale check reads flat in the number of threads (10 due) | ✅ met 
 throughput GET /threads/{id} → 304 (If-None-Match): direct ÷ server ≤ 1.3× | ❌ not met 
 throughput GET /threads/{id}: direct ÷ server ≤ 1.3× | ❌ not met 
 throughput POST /threads/{id}/updates (over 300 threads): direct ÷ server ≤ 1.3× | ❌ not met 
 write path: 40×120 concurrent writers on one thread, every update kept, none 503 | ✅ met 
 write path: 8×100 concurrent writers on one thread, every update kept, none 503 | ✅ met 
 write path: a late report reads in proportion to the updates after it | ✅ met 
 write path: in-order update flat from 1 to 10,000 prior updates (thread item read + transaction) | ✅ met 
 write → event on a connected WebSocket p99 < 2 s with 100 clients | ✅ met 
 write → webhook delivery p99 < 2 s with a dead subscriber among 10 | ❌ not met 
 writers on distinct threads never conflict (no shared item in their transactions) | ✅ met 
 writers on distinct threads, many scenarios: throughput grows with writers (8 writers ≥ 1.5× one) | ❌ not met 
 writers on distinct threads, one scenario: throughput grows with writers (8 writers ≥ 1.5× one) | ✅ met 
