"""Metric names as an analyst writes them: whole noun phrases, never a clause fragment.

In: a metric's name (the words before its figure) and the words after the figure. Out:
`fragment_reason(name)`, why a name is a fragment (None when it is whole), and
`analyst_name(name, after)`, the name tidied: function words cut from its ends, a bare verb
completed by the noun the figure counts ("新建 5个" + "区域养老服务中心" → "新建区域养老服务中心").

The rule for a fragment (bench/devset.py counts them with it) — a name is a fragment when it
1. is empty, or begins with punctuation, a digit or a closing mark;
2. begins with a function word or a preposition (的 和 及 并 对 在 从 其中 …) or is a comparison
   with no subject (同比, 比上年增加);
3. ends with a function word, a preposition, a linking verb or an opening mark
   (… 和 及 从 在 为 是 达到 超过 前 第 “); a direction word at the end (增长, 下降, 提高)
   is the name's direction, not a fragment (地区生产总值增长 5.3%);
4. holds an unbalanced quote or bracket (管”改造);
5. holds a clause break (，。；：) or a ranking predicate (降幅居全国前);
6. has no noun head: one bare verb (新建, 推进, 抓好) or a word of one or two characters that
   names no measure on its own (特种, 全球).
"""

from __future__ import annotations

import re

# ----------------------------------------------------------------------------- tables

#: Words a whole name never begins with.
LEADING = re.compile(
    r"^(?:[，,。；;：:、）)\]】”’》.%％0-9０-９]|的|了|和|与|及|以及|或|等|并|且|而|也|又|还|均|共|"
    r"同比|环比|比上年|较上年|比(?![重例率])|较|其中|分别|以上|左右|在|对|把|将|要|被|从|由|向|至|到|为|是)"
)
#: Words a whole name never ends with (direction words are not among them).
TRAILING = re.compile(
    r"(?:的|了|和|与|及|或|在|对|为|是|达|达到|超过|(?<!占)比|较|至|到|由|从|共|约|近|超|居|分别|同比|"
    r"环比|前|第|[，,、（(“‘《])$"
)
INNER_PREDICATE = re.compile(
    r"[，,。；;：:]|[\u4e00-\u9fff](?:居|为|是|达|占)(?:全[国省市]|[前第])"
)
BRACKET_PAIRS = ("“”", "（）", "()", "《》", "‘’", "【】")
#: Short names that are measures on their own.
SHORT_MEASURES = frozenset(
    "产值 税收 营收 收入 利润 投资 出口 进口 外资 外贸 就业 人口 增速 总量 产量 销量 游客 "
    "财政 存款 贷款 社零 消费 项目 企业 专利 人才 农田 耕地 粮食 赤字率 GDP 比重 占比 增幅 降幅 "
    "增速 增量 存量 总额 规模".split()
)
#: Verbs that name an action, not a measure: a name that is only these needs the noun the
#: figure counts ("新建 5个" of "新建5个区域养老服务中心").
ACTION_VERBS = (
    "新建|新增|建设|建成|推进|推动|抓好|支持|打造|启动|引进|选派|拆除|续建|组织|策划|完成|实施|"
    "改造|提升改造|新建提升|培育|开展|举办|设立|创建|认定|招引|签约|开工|竣工|投产|治理|整治|"
    "建立|累计|发放|兑现|新开工|增发|盘活"
)
VERB_ONLY = re.compile(rf"^(?:{ACTION_VERBS})+$")
#: The noun phrase after a figure: up to a clause break, a conjunction, another figure or a
#: verb that starts the rest of the clause (正在, 用于, 有望, 入选, 达到 …).
AFTER_NOUN = re.compile(
    r"^[\u4e00-\u9fffA-Za-z“”]{2,12}?(?=[，,。；;、：:（(]|和|及|与|等|$|[0-9０-９]"
    r"|正在|进行|用于|有望|入选|启动|达到|建成|实现|完成|开展|获得|通过|纳入|投入|覆盖)"
)
#: A qualifier written after the figure, before its noun ("1亿元以上工业企业").
AFTER_QUALIFIER = re.compile(r"^(?:以上|以下|左右|以内|余|多)")
#: Time words: a name of these is no subject, and no noun completes it.
TIME_WORDS = frozenset("年底 年初 去年 今年 全年 目前 当前 上年 明年 年内 月底".split())
#: Words that begin with a function character (及时 is no "及" + 时).
_WORDS_WITH_LEADING_PARTICLE = re.compile(
    r"^(?:及时|在孵|在建|在校|在职|在线|在库|对外|对口|从业|由于)"
)

# ----------------------------------------------------------------------------- functions


def fragment_reason(name: str) -> str | None:
    """Why a metric name is a fragment (see the module's rules), or None when it is whole."""
    name = name.strip()
    if not name:
        return "empty"
    if LEADING.match(name):
        return "starts with punctuation, a digit, a function word or a comparison"
    if TRAILING.search(name):
        return "ends with a function word, a preposition or a linking verb"
    for pair in BRACKET_PAIRS:
        if name.count(pair[0]) != name.count(pair[1]):
            return "unbalanced quote or bracket"
    if INNER_PREDICATE.search(name):
        return "holds a clause break or a predicate"
    if VERB_ONLY.match(name):
        return "no noun head (a bare verb)"
    cjk = re.sub(r"[^\u4e00-\u9fffA-Za-z]", "", name)
    if len(cjk) <= 2 and cjk not in SHORT_MEASURES:
        return "no noun head"
    return None


_LEAD_CUT = re.compile(
    r"^(?:[，,。；;：:、）)\]】”’》\s]|和|与|及|以及|或|并|且|而|也|又|还|其中|在|对|把|从|由|向)+"
)
_TAIL_CUT = re.compile(r"(?:和|与|及|或|在|对|从|由|至|到|了|分别|[，,、（(“‘《\s])+$")


def analyst_name(name: str, after: str = "") -> str:
    """The name as an analyst writes it, from the words before the figure (`name`) and after
    it (`after`); the name unchanged when nothing better can be said."""
    name = name.strip()
    tidy = name if _WORDS_WITH_LEADING_PARTICLE.match(name) else _LEAD_CUT.sub("", name)
    tidy = _TAIL_CUT.sub("", tidy)
    if len(tidy) < 2:
        tidy = name
    bare = VERB_ONLY.match(tidy) or len(re.sub(r"[^\u4e00-\u9fff]", "", tidy)) <= 2
    if bare and tidy not in SHORT_MEASURES and tidy not in TIME_WORDS:
        noun = AFTER_NOUN.match(AFTER_QUALIFIER.sub("", after.strip()))
        if noun and noun.group(0).count("“") == noun.group(0).count("”"):
            return tidy + noun.group(0)
    return tidy


__all__ = ["analyst_name", "fragment_reason"]
