"""Walk every hash chain of the history; exit non-zero naming the first entry that does not verify, and
every deal whose chain is missing or empty (a truncated history is broken, not clean: issue 10 item 4)."""

import sys

from django.core.management.base import BaseCommand

from escrow.history.chain import chain_key_for, missing_chain, verify_chain
from escrow.models import Deal, HistoryChain
from escrow.queries.checkpoints import checkpoint_problems, lost_chain, witnessed_heads


class Command(BaseCommand):
    help = "Verify the hash-chained history. --deal SLUG --head SEQ:HASH checks against a saved export head."

    def add_arguments(self, parser):
        parser.add_argument("--deal", help="only this deal's chain")
        parser.add_argument("--head", help="SEQ:HASH from an export; catches a truncated or rewritten tail")

    def handle(self, *args, **options):
        if options["head"] and not options["deal"]:
            sys.stderr.write("verify_history: --head needs --deal (a saved head belongs to one deal's chain)\n")
            sys.exit(2)
        saved = _parse_head(options["head"]) if options["head"] else None
        chains, deals = HistoryChain.objects.order_by("key"), Deal.objects.order_by("pk")
        if options["deal"]:
            deals = deals.filter(slug=options["deal"])
            if not deals:
                sys.stderr.write(f"verify_history: unknown deal '{options['deal']}'\n")
                sys.exit(2)
            chains = chains.filter(key=chain_key_for(deals[0]))
        # Issue 10 item 4: every chain against the heads the signed daily checkpoints witnessed.
        witnessed = witnessed_heads()
        checks = [verify_chain(chain, saved_head=saved, witnessed=witnessed.get(chain.key, ())) for chain in chains]
        have = {check.key for check in checks}
        checks += [missing_chain(deal) for deal in deals if chain_key_for(deal) not in have]
        have |= {chain_key_for(deal) for deal in deals}
        if not options["deal"]:
            checks += [lost_chain(key, heads) for key, heads in witnessed.items() if key not in have]
        failures = 0
        for check in checks:
            if check.ok:
                self.stdout.write(f"ok      {check.key}: {check.length} entries, head {check.head_hash}")
            else:
                failures += 1
                self.stdout.write(f"BROKEN  {check.key}: first bad entry #{check.bad_seq}: {check.problem}")
        for checkpoint, problem in checkpoint_problems():
            failures += 1
            self.stdout.write(f"BROKEN  checkpoint of {checkpoint.day.isoformat()}: {problem}")
        # Issue 10 item 5: the ledger, tranche states and signatures replayed against each deal's history.
        from escrow.queries.reconcile import reconcile

        for difference in reconcile(deals):
            failures += 1
            self.stdout.write(f"DIFFERS {difference}")
        if failures:
            sys.exit(1)


def _parse_head(text):
    seq, sep, digest = text.partition(":")
    if not sep or not seq.isdigit() or len(digest) != 64:
        sys.stderr.write("verify_history: --head takes SEQ:HASH as printed in an export\n")
        sys.exit(2)
    return int(seq), digest.lower()
