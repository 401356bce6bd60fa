"""The playbook's judgment: the care policy and what it decides (what a mention is and how urgent, which team owns
it, what a reply may say, the drafts, pile-ons, business time). Pure rules, no AWS: cases/ applies them."""
