// EtcdStore: the Store (store.h) of a team on several machines, in an etcd
// cluster reached through etcd_client.h. Keys under PREFIX/:
//   seq          the number of the last transaction: every transaction
//                compares its mod revision with the one it read, so
//                check-and-grant (read at a revision, decide here, commit only
//                if nothing changed since) is atomic across machines; a lost
//                race reads again and decides again
//   i/<id>       an instance (its record as in state.json), under its lease
//   c/<id>       a claim, under its instance's lease: a machine that dies
//                loses its claims when its leases expire
//   n/<us><k>-<id>  a note (a context-log line); listed in commit order
// Projects: a project with a shared identity (StoreSetup::project_id: the
// repository's aio.project or normalised remote) is stored as
// "repo:<identity>" and shown as this process's checkout of it (its working
// directory's project), else as the checkout an instance of this machine
// in that project works in (an instance keeps the path of its checkout as
// projectPath), so clones of one repository on several machines share
// claims, each machine seeing them in its own checkout. Other projects keep
// their path.
// Liveness: each instance has its own lease (StoreSetup::lease_seconds),
// renewed by its machine's keeper (keeper.h) while it is live there;
// deleting an instance revokes its lease.
// A record that does not parse is never overwritten: loads and updates fail
// with kState naming the key.
#pragma once

#include <memory>
#include <string>

#include "core/etcd_client.h"
#include "core/store.h"
#include "core/store_open.h"

namespace aio {

struct EtcdStoreOptions {
  std::string prefix;    // without a trailing '/'
  std::string describe;  // "etcd://127.0.0.1:2379/team" for messages
  StoreSetup setup;
};

Result<std::unique_ptr<Store>> open_etcd_store(std::unique_ptr<etcd::Client> client,
                                               EtcdStoreOptions opts);

// How a project is stored and shown (pure; etcd_store_test): the stored
// name of `root`, and the root a stored name shows as here.
class ProjectNames {
 public:
  ProjectNames(std::function<std::string(const std::string&)> project_id,
               std::vector<std::string> local_projects);
  // "repo:<id>" for a root with a shared identity, else the root itself.
  std::string stored(const std::string& root);
  // A stored "repo:<id>" as the first local project with that identity, else
  // as `fallback` (where an instance of this machine in that project has its
  // checkout), else as stored.
  std::string shown(const std::string& stored, const std::string& fallback = "");

 private:
  std::function<std::string(const std::string&)> project_id_;
  std::vector<std::string> local_;
  std::map<std::string, std::string> ids_;  // root -> id ("" none)
};

}  // namespace aio
