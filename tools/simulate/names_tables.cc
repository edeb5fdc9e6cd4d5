// The data behind names.h: Chinese surnames and given-name characters with
// their frequencies, Latin first and last names per culture, cities, foreign
// countries, brands, industries, legal suffixes, titles and media outlets.

#include "tools/simulate/names.h"

#include <array>

#include "tools/simulate/names_internal.h"

namespace crm::simulate {
namespace {

struct SurnameRow {
  Han h;
  double weight;  // share of the population in percent (approximate)
};

// The most common surnames with rough frequencies, so that look-alike names
// (王伟, 李娜, 张敏) come up as often as they do in real registrations.
const std::vector<SurnameRow>& SurnameRows() {
  static const std::vector<SurnameRow> rows = {
      {{"王", "王", "wang"}, 7.1},
      {{"李", "李", "li"}, 7.0},
      {{"张", "張", "zhang"}, 6.7},
      {{"刘", "劉", "liu"}, 5.4},
      {{"陈", "陳", "chen"}, 4.5},
      {{"杨", "楊", "yang"}, 3.1},
      {{"黄", "黃", "huang"}, 2.2},
      {{"赵", "趙", "zhao"}, 2.0},
      {{"吴", "吳", "wu"}, 1.9},
      {{"周", "周", "zhou"}, 1.7},
      {{"徐", "徐", "xu"}, 1.5},
      {{"孙", "孫", "sun"}, 1.5},
      {{"马", "馬", "ma"}, 1.3},
      {{"朱", "朱", "zhu"}, 1.3},
      {{"胡", "胡", "hu"}, 1.2},
      {{"郭", "郭", "guo"}, 1.1},
      {{"何", "何", "he"}, 1.1},
      {{"高", "高", "gao"}, 1.0},
      {{"林", "林", "lin"}, 1.0},
      {{"罗", "羅", "luo"}, 0.9},
      {{"郑", "鄭", "zheng"}, 0.9},
      {{"梁", "梁", "liang"}, 0.8},
      {{"谢", "謝", "xie"}, 0.7},
      {{"宋", "宋", "song"}, 0.7},
      {{"唐", "唐", "tang"}, 0.6},
      {{"许", "許", "xu"}, 0.6},
      {{"韩", "韓", "han"}, 0.6},
      {{"冯", "馮", "feng"}, 0.6},
      {{"邓", "鄧", "deng"}, 0.5},
      {{"曹", "曹", "cao"}, 0.5},
      {{"彭", "彭", "peng"}, 0.5},
      {{"曾", "曾", "zeng"}, 0.5},
      {{"肖", "肖", "xiao"}, 0.5},
      {{"田", "田", "tian"}, 0.4},
      {{"董", "董", "dong"}, 0.4},
      {{"袁", "袁", "yuan"}, 0.4},
      {{"潘", "潘", "pan"}, 0.4},
      {{"于", "于", "yu"}, 0.4},
      {{"蒋", "蔣", "jiang"}, 0.4},
      {{"蔡", "蔡", "cai"}, 0.4},
      {{"余", "余", "yu"}, 0.4},
      {{"杜", "杜", "du"}, 0.3},
      {{"叶", "葉", "ye"}, 0.3},
      {{"程", "程", "cheng"}, 0.3},
      {{"苏", "蘇", "su"}, 0.3},
      {{"魏", "魏", "wei"}, 0.3},
      {{"吕", "呂", "lyu"}, 0.3},
      {{"丁", "丁", "ding"}, 0.3},
      {{"任", "任", "ren"}, 0.3},
      {{"沈", "沈", "shen"}, 0.3},
      {{"姚", "姚", "yao"}, 0.2},
      {{"卢", "盧", "lu"}, 0.2},
      {{"姜", "姜", "jiang"}, 0.2},
      {{"崔", "崔", "cui"}, 0.2},
      {{"钟", "鍾", "zhong"}, 0.2},
      {{"谭", "譚", "tan"}, 0.2},
      {{"陆", "陸", "lu"}, 0.2},
      {{"汪", "汪", "wang"}, 0.2},
      {{"范", "范", "fan"}, 0.2},
      {{"金", "金", "jin"}, 0.2},
      {{"石", "石", "shi"}, 0.2},
      {{"廖", "廖", "liao"}, 0.2},
      {{"贾", "賈", "jia"}, 0.2},
      {{"夏", "夏", "xia"}, 0.2},
      {{"韦", "韋", "wei"}, 0.2},
      {{"付", "付", "fu"}, 0.2},
      {{"方", "方", "fang"}, 0.2},
      {{"白", "白", "bai"}, 0.2},
      {{"邹", "鄒", "zou"}, 0.2},
      {{"孟", "孟", "meng"}, 0.2},
      {{"熊", "熊", "xiong"}, 0.2},
      {{"秦", "秦", "qin"}, 0.2},
      {{"邱", "邱", "qiu"}, 0.2},
      {{"江", "江", "jiang"}, 0.2},
      {{"尹", "尹", "yin"}, 0.2},
      {{"薛", "薛", "xue"}, 0.2},
      {{"闫", "閆", "yan"}, 0.2},
      {{"段", "段", "duan"}, 0.2},
      {{"雷", "雷", "lei"}, 0.2},
      {{"侯", "侯", "hou"}, 0.2},
      {{"龙", "龍", "long"}, 0.2},
      {{"史", "史", "shi"}, 0.2},
      {{"陶", "陶", "tao"}, 0.2},
      {{"黎", "黎", "li"}, 0.2},
      {{"贺", "賀", "he"}, 0.2},
      {{"顾", "顧", "gu"}, 0.2},
      {{"毛", "毛", "mao"}, 0.2},
      {{"郝", "郝", "hao"}, 0.2},
      {{"龚", "龔", "gong"}, 0.2},
      {{"邵", "邵", "shao"}, 0.2},
      {{"万", "萬", "wan"}, 0.2},
      {{"钱", "錢", "qian"}, 0.2},
      {{"严", "嚴", "yan"}, 0.2},
      {{"武", "武", "wu"}, 0.1},
      {{"戴", "戴", "dai"}, 0.1},
      {{"莫", "莫", "mo"}, 0.1},
      {{"孔", "孔", "kong"}, 0.1},
      {{"汤", "湯", "tang"}, 0.1},
      {{"欧阳", "歐陽", "ouyang"}, 0.05},
      {{"司马", "司馬", "sima"}, 0.02},
      {{"上官", "上官", "shangguan"}, 0.02},
  };
  return rows;
}

struct GivenRow {
  Han h;
  int gender;     // 0 male, 1 female
  double weight;  // in two-character names
  double single;  // as a one-character given name
};

const std::vector<GivenRow>& GivenRows() {
  static const std::vector<GivenRow> rows = {
      // male
      {{"伟", "偉", "wei"}, 0, 3, 10},
      {{"强", "強", "qiang"}, 0, 2, 6},
      {{"磊", "磊", "lei"}, 0, 2, 6},
      {{"军", "軍", "jun"}, 0, 2, 6},
      {{"勇", "勇", "yong"}, 0, 2, 5},
      {{"杰", "傑", "jie"}, 0, 3, 6},
      {{"涛", "濤", "tao"}, 0, 2, 5},
      {{"明", "明", "ming"}, 0, 4, 4},
      {{"超", "超", "chao"}, 0, 2, 5},
      {{"刚", "剛", "gang"}, 0, 1, 4},
      {{"斌", "斌", "bin"}, 0, 2, 4},
      {{"辉", "輝", "hui"}, 0, 3, 4},
      {{"鹏", "鵬", "peng"}, 0, 2, 4},
      {{"飞", "飛", "fei"}, 0, 2, 4},
      {{"峰", "峰", "feng"}, 0, 3, 4},
      {{"浩", "浩", "hao"}, 0, 3, 3},
      {{"宇", "宇", "yu"}, 0, 4, 3},
      {{"俊", "俊", "jun"}, 0, 3, 1},
      {{"志", "志", "zhi"}, 0, 4, 0},
      {{"东", "東", "dong"}, 0, 3, 2},
      {{"亮", "亮", "liang"}, 0, 2, 3},
      {{"成", "成", "cheng"}, 0, 2, 2},
      {{"龙", "龍", "long"}, 0, 3, 3},
      {{"凯", "凱", "kai"}, 0, 2, 2},
      {{"鑫", "鑫", "xin"}, 0, 2, 2},
      {{"博", "博", "bo"}, 0, 2, 2},
      {{"轩", "軒", "xuan"}, 0, 2, 0},
      {{"睿", "睿", "rui"}, 0, 2, 0},
      {{"泽", "澤", "ze"}, 0, 2, 0},
      {{"振", "振", "zhen"}, 0, 2, 0},
      {{"立", "立", "li"}, 0, 2, 0},
      {{"永", "永", "yong"}, 0, 2, 0},
      {{"德", "德", "de"}, 0, 2, 0},
      {{"荣", "榮", "rong"}, 0, 1, 0},
      {{"波", "波", "bo"}, 0, 2, 3},
      {{"健", "健", "jian"}, 0, 2, 3},
      {{"彬", "彬", "bin"}, 0, 1, 1},
      {{"旭", "旭", "xu"}, 0, 2, 2},
      {{"昊", "昊", "hao"}, 0, 2, 1},
      {{"铭", "銘", "ming"}, 0, 2, 0},
      {{"诚", "誠", "cheng"}, 0, 1, 0},
      {{"建", "建", "jian"}, 0, 4, 0},
      {{"国", "國", "guo"}, 0, 4, 0},
      {{"华", "華", "hua"}, 0, 4, 3},
      {{"文", "文", "wen"}, 0, 3, 1},
      {{"海", "海", "hai"}, 0, 3, 1},
      {{"晨", "晨", "chen"}, 0, 2, 1},
      {{"子", "子", "zi"}, 0, 3, 0},
      {{"天", "天", "tian"}, 0, 2, 0},
      {{"一", "一", "yi"}, 0, 2, 0},
      {{"然", "然", "ran"}, 0, 1, 0},
      {{"帆", "帆", "fan"}, 0, 1, 2},
      {{"阳", "陽", "yang"}, 0, 2, 2},
      {{"平", "平", "ping"}, 0, 2, 3},
      {{"新", "新", "xin"}, 0, 1, 0},
      {{"毅", "毅", "yi"}, 0, 1, 1},
      {{"智", "智", "zhi"}, 0, 1, 0},
      {{"宏", "宏", "hong"}, 0, 2, 0},
      {{"鸿", "鴻", "hong"}, 0, 1, 0},
      {{"韬", "韜", "tao"}, 0, 1, 0},
      {{"钢", "鋼", "gang"}, 0, 1, 0},
      {{"锋", "鋒", "feng"}, 0, 1, 1},
      {{"枫", "楓", "feng"}, 0, 1, 0},
      {{"骏", "駿", "jun"}, 0, 1, 0},
      {{"奇", "奇", "qi"}, 0, 1, 0},
      {{"民", "民", "min"}, 0, 2, 0},
      {{"雷", "雷", "lei"}, 0, 1, 0},
      {{"震", "震", "zhen"}, 0, 1, 0},
      {{"瑞", "瑞", "rui"}, 0, 1, 0},
      {{"锦", "錦", "jin"}, 0, 1, 0},
      {{"金", "金", "jin"}, 0, 1, 0},
      {{"玮", "瑋", "wei"}, 0, 0.5, 0},
      {{"锴", "鍇", "kai"}, 0, 0.3, 0},
      {{"朝", "朝", "chao"}, 0, 0.5, 0},
      // female
      {{"芳", "芳", "fang"}, 1, 2, 10},
      {{"娜", "娜", "na"}, 1, 2, 8},
      {{"敏", "敏", "min"}, 1, 2, 7},
      {{"静", "靜", "jing"}, 1, 3, 7},
      {{"丽", "麗", "li"}, 1, 3, 6},
      {{"艳", "艷", "yan"}, 1, 2, 5},
      {{"娟", "娟", "juan"}, 1, 2, 5},
      {{"秀", "秀", "xiu"}, 1, 3, 0},
      {{"霞", "霞", "xia"}, 1, 2, 4},
      {{"桂", "桂", "gui"}, 1, 2, 0},
      {{"英", "英", "ying"}, 1, 3, 2},
      {{"玲", "玲", "ling"}, 1, 3, 4},
      {{"红", "紅", "hong"}, 1, 2, 3},
      {{"兰", "蘭", "lan"}, 1, 2, 0},
      {{"婷", "婷", "ting"}, 1, 3, 5},
      {{"雪", "雪", "xue"}, 1, 2, 3},
      {{"琳", "琳", "lin"}, 1, 2, 3},
      {{"欣", "欣", "xin"}, 1, 3, 3},
      {{"怡", "怡", "yi"}, 1, 3, 0},
      {{"佳", "佳", "jia"}, 1, 3, 0},
      {{"嘉", "嘉", "jia"}, 1, 2, 0},
      {{"丹", "丹", "dan"}, 1, 2, 3},
      {{"云", "雲", "yun"}, 1, 2, 1},
      {{"思", "思", "si"}, 1, 3, 0},
      {{"雨", "雨", "yu"}, 1, 3, 0},
      {{"梓", "梓", "zi"}, 1, 2, 0},
      {{"萱", "萱", "xuan"}, 1, 2, 0},
      {{"涵", "涵", "han"}, 1, 2, 0},
      {{"晶", "晶", "jing"}, 1, 2, 2},
      {{"颖", "穎", "ying"}, 1, 2, 3},
      {{"慧", "慧", "hui"}, 1, 3, 3},
      {{"倩", "倩", "qian"}, 1, 2, 3},
      {{"璐", "璐", "lu"}, 1, 1, 1},
      {{"瑶", "瑤", "yao"}, 1, 2, 1},
      {{"燕", "燕", "yan"}, 1, 2, 3},
      {{"春", "春", "chun"}, 1, 2, 0},
      {{"玉", "玉", "yu"}, 1, 2, 0},
      {{"琦", "琦", "qi"}, 1, 1, 1},
      {{"蕾", "蕾", "lei"}, 1, 1, 2},
      {{"雯", "雯", "wen"}, 1, 2, 1},
      {{"洁", "潔", "jie"}, 1, 2, 3},
      {{"艺", "藝", "yi"}, 1, 1, 0},
      {{"晓", "曉", "xiao"}, 1, 4, 0},
      {{"小", "小", "xiao"}, 1, 3, 0},
      {{"宁", "寧", "ning"}, 1, 1, 1},
      {{"薇", "薇", "wei"}, 1, 1, 1},
      {{"婧", "婧", "jing"}, 1, 1, 1},
      {{"莉", "莉", "li"}, 1, 1, 2},
      {{"婕", "婕", "jie"}, 1, 0.5, 0},
      {{"霖", "霖", "lin"}, 1, 0.5, 0},
      {{"馨", "馨", "xin"}, 1, 1, 0},
      {{"妍", "妍", "yan"}, 1, 1, 0},
      {{"萍", "萍", "ping"}, 1, 2, 3},
      {{"惠", "惠", "hui"}, 1, 1, 0},
      {{"菲", "菲", "fei"}, 1, 1, 1},
      {{"莹", "瑩", "ying"}, 1, 1, 1},
      {{"茜", "茜", "qian"}, 1, 1, 0},
      {{"露", "露", "lu"}, 1, 1, 0},
      {{"蓉", "蓉", "rong"}, 1, 1, 1},
      {{"琪", "琪", "qi"}, 1, 1, 0},
      {{"淑", "淑", "shu"}, 1, 1, 0},
      {{"美", "美", "mei"}, 1, 1, 0},
      {{"梅", "梅", "mei"}, 1, 2, 2},
      {{"彤", "彤", "tong"}, 1, 1, 0},
      {{"芸", "芸", "yun"}, 1, 0.5, 0},
      {{"亭", "亭", "ting"}, 1, 0.3, 0},
      {{"桦", "樺", "hua"}, 1, 0.3, 0},
      {{"君", "君", "jun"}, 1, 1, 0},
      {{"瑜", "瑜", "yu"}, 1, 0.5, 0},
      {{"利", "利", "li"}, 1, 0.5, 0},
      {{"菱", "菱", "ling"}, 1, 0.3, 0},
      {{"遥", "遙", "yao"}, 1, 0.3, 0},
      // Rare homophones, mostly there so that a misheard name keeps its pinyin.
      {{"方", "方", "fang"}, 1, 0.2, 0},
      {{"鹃", "鵑", "juan"}, 1, 0.2, 0},
      {{"朋", "朋", "peng"}, 0, 0.2, 0},
      {{"贵", "貴", "gui"}, 0, 0.2, 0},
      {{"岚", "嵐", "lan"}, 1, 0.2, 0},
      {{"蔷", "薔", "qiang"}, 1, 0.2, 0},
      {{"侠", "俠", "xia"}, 0, 0.2, 0},
      {{"纳", "納", "na"}, 1, 0.2, 0},
      {{"秋", "秋", "qiu"}, 1, 0.2, 0},
      {{"修", "修", "xiu"}, 0, 0.2, 0},
      {{"靓", "靚", "liang"}, 1, 0.2, 0},
      {{"雁", "雁", "yan"}, 1, 0.2, 0},
      {{"学", "學", "xue"}, 0, 0.2, 0},
      {{"旦", "旦", "dan"}, 0, 0.2, 0},
  };
  return rows;
}

}  // namespace

const std::vector<Han>& Surnames() {
  static const std::vector<Han> v = [] {
    std::vector<Han> out;
    for (const auto& r : SurnameRows()) out.push_back(r.h);
    return out;
  }();
  return v;
}

const std::vector<double>& SurnameWeights() {
  static const std::vector<double> v = [] {
    std::vector<double> out;
    for (const auto& r : SurnameRows()) out.push_back(r.weight);
    return out;
  }();
  return v;
}

const std::vector<Han>& GivenChars() {
  static const std::vector<Han> v = [] {
    std::vector<Han> out;
    for (const auto& r : GivenRows()) out.push_back(r.h);
    return out;
  }();
  return v;
}

const std::vector<double>& GivenCharWeights(int gender) {
  static const std::array<std::vector<double>, 2> v = [] {
    std::array<std::vector<double>, 2> out;
    for (const auto& r : GivenRows()) {
      out[0].push_back(r.gender == 0 ? r.weight : 0.0);
      out[1].push_back(r.gender == 1 ? r.weight : 0.0);
    }
    return out;
  }();
  return v[gender ? 1 : 0];
}

const std::vector<double>& SingleGivenWeights(int gender) {
  static const std::array<std::vector<double>, 2> v = [] {
    std::array<std::vector<double>, 2> out;
    for (const auto& r : GivenRows()) {
      out[0].push_back(r.gender == 0 ? r.single : 0.0);
      out[1].push_back(r.gender == 1 ? r.single : 0.0);
    }
    return out;
  }();
  return v[gender ? 1 : 0];
}

const std::vector<City>& Cities() {
  static const std::vector<City> v = {
      {{"上海", "上海", "shanghai"}, "21", 14},  {{"北京", "北京", "beijing"}, "10", 10},
      {{"广州", "廣州", "guangzhou"}, "20", 7},  {{"深圳", "深圳", "shenzhen"}, "755", 7},
      {{"苏州", "蘇州", "suzhou"}, "512", 6},    {{"杭州", "杭州", "hangzhou"}, "571", 6},
      {{"宁波", "寧波", "ningbo"}, "574", 5},    {{"南京", "南京", "nanjing"}, "25", 5},
      {{"武汉", "武漢", "wuhan"}, "27", 4},      {{"成都", "成都", "chengdu"}, "28", 4},
      {{"重庆", "重慶", "chongqing"}, "23", 4},  {{"天津", "天津", "tianjin"}, "22", 4},
      {{"西安", "西安", "xian"}, "29", 3},       {{"长沙", "長沙", "changsha"}, "731", 3},
      {{"郑州", "鄭州", "zhengzhou"}, "371", 3}, {{"青岛", "青島", "qingdao"}, "532", 3},
      {{"厦门", "廈門", "xiamen"}, "592", 2},    {{"合肥", "合肥", "hefei"}, "551", 2},
      {{"东莞", "東莞", "dongguan"}, "769", 3},  {{"佛山", "佛山", "foshan"}, "757", 3},
      {{"无锡", "無錫", "wuxi"}, "510", 3},      {{"济南", "濟南", "jinan"}, "531", 2},
      {{"沈阳", "瀋陽", "shenyang"}, "24", 2},   {{"长春", "長春", "changchun"}, "431", 2},
      {{"温州", "溫州", "wenzhou"}, "577", 2},   {{"台州", "台州", "taizhou"}, "576", 2},
      {{"常州", "常州", "changzhou"}, "519", 2}, {{"福州", "福州", "fuzhou"}, "591", 2},
      {{"大连", "大連", "dalian"}, "411", 2},    {{"芜湖", "蕪湖", "wuhu"}, "553", 1},
      {{"柳州", "柳州", "liuzhou"}, "772", 1},   {{"十堰", "十堰", "shiyan"}, "719", 1},
  };
  return v;
}

const std::vector<Country>& ForeignCountries() {
  // name_group: 0 German, 1 English, 2 French, 3 Italian, 4 Japanese, 5 Korean,
  // 6 Indian, 7 Russian, 8 Spanish, 9 Singaporean/Malaysian, 10 Thai,
  // 11 Brazilian, 12 Emirati.
  static const std::vector<Country> v = {
      {"DE", "Germany", "德国", 0, {"Berlin", "Munich", "Stuttgart", "Wolfsburg"}},
      {"US", "United States", "美国", 1, {"Detroit", "San Francisco", "Chicago", "New York"}},
      {"GB", "United Kingdom", "英国", 1, {"London", "Birmingham", "Coventry"}},
      {"FR", "France", "法国", 2, {"Paris", "Lyon", "Toulouse"}},
      {"IT", "Italy", "意大利", 3, {"Milan", "Turin", "Bologna"}},
      {"JP", "Japan", "日本", 4, {"Tokyo", "Nagoya", "Osaka"}},
      {"KR", "Korea, Republic of", "韩国", 5, {"Seoul", "Ulsan", "Busan"}},
      {"IN", "India", "印度", 6, {"Pune", "Chennai", "New Delhi"}},
      {"RU", "Russia", "俄罗斯", 7, {"Moscow", "Saint Petersburg"}},
      {"ES", "Spain", "西班牙", 8, {"Madrid", "Barcelona", "Valencia"}},
      {"SG", "Singapore", "新加坡", 9, {"Singapore"}},
      {"MY", "Malaysia", "马来西亚", 9, {"Kuala Lumpur", "Penang"}},
      {"TH", "Thailand", "泰国", 10, {"Bangkok", "Rayong"}},
      {"BR", "Brazil", "巴西", 11, {"Sao Paulo", "Curitiba"}},
      {"AE", "United Arab Emirates", "阿联酋", 12, {"Dubai", "Abu Dhabi"}},
      {"AU", "Australia", "澳大利亚", 1, {"Sydney", "Melbourne"}},
  };
  return v;
}

const std::vector<Han>& Brands() {
  static const std::vector<Han> v = {
      {"华东", "華東", "huadong"},    {"鑫达", "鑫達", "xinda"},     {"恒通", "恒通", "hengtong"},
      {"天润", "天潤", "tianrun"},    {"永盛", "永盛", "yongsheng"}, {"博远", "博遠", "boyuan"},
      {"金驰", "金馳", "jinchi"},     {"瑞丰", "瑞豐", "ruifeng"},   {"中联", "中聯", "zhonglian"},
      {"宏达", "宏達", "hongda"},     {"万通", "萬通", "wantong"},   {"新世纪", "新世紀", "xinshiji"},
      {"明辉", "明輝", "minghui"},    {"德信", "德信", "dexin"},     {"远航", "遠航", "yuanhang"},
      {"佳和", "佳和", "jiahe"},      {"华信", "華信", "huaxin"},    {"腾飞", "騰飛", "tengfei"},
      {"东方", "東方", "dongfang"},   {"宝丰", "寶豐", "baofeng"},   {"盛达", "盛達", "shengda"},
      {"九洲", "九洲", "jiuzhou"},    {"汇通", "匯通", "huitong"},   {"卓越", "卓越", "zhuoyue"},
      {"精工", "精工", "jinggong"},   {"安泰", "安泰", "antai"},     {"联创", "聯創", "lianchuang"},
      {"众诚", "眾誠", "zhongcheng"}, {"同舟", "同舟", "tongzhou"},  {"驰远", "馳遠", "chiyuan"},
      {"锦程", "錦程", "jincheng"},   {"祥和", "祥和", "xianghe"},   {"昌盛", "昌盛", "changsheng"},
      {"泰和", "泰和", "taihe"},      {"融信", "融信", "rongxin"},   {"华宇", "華宇", "huayu"},
      {"国瑞", "國瑞", "guorui"},     {"百川", "百川", "baichuan"},  {"中科", "中科", "zhongke"},
      {"星辰", "星辰", "xingchen"},   {"海纳", "海納", "haina"},     {"天成", "天成", "tiancheng"},
      {"恒瑞", "恒瑞", "hengrui"},    {"嘉禾", "嘉禾", "jiahe"},     {"立信", "立信", "lixin"},
      {"通达", "通達", "tongda"},     {"睿驰", "睿馳", "ruichi"},    {"德润", "德潤", "derun"},
      {"云帆", "雲帆", "yunfan"},     {"启航", "啟航", "qihang"},    {"普瑞", "普瑞", "purui"},
      {"银河", "銀河", "yinhe"},      {"合力", "合力", "heli"},      {"东升", "東升", "dongsheng"},
      {"金茂", "金茂", "jinmao"},     {"长风", "長風", "changfeng"}, {"振华", "振華", "zhenhua"},
      {"新港", "新港", "xingang"},    {"鼎盛", "鼎盛", "dingsheng"}, {"华通", "華通", "huatong"},
  };
  return v;
}

const std::vector<Industry>& Industries(int kind) {
  static const std::vector<Industry> exhibitor = {
      {{"汽车零部件", "汽車零部件", ""}, "Auto Parts", "auto"},
      {{"电子科技", "電子科技", ""}, "Electronic Technology", "tech"},
      {{"新能源科技", "新能源科技", ""}, "New Energy Technology", "energy"},
      {{"机械制造", "機械製造", ""}, "Machinery", "mach"},
      {{"橡胶制品", "橡膠製品", ""}, "Rubber Products", "rubber"},
      {{"智能装备", "智能裝備", ""}, "Intelligent Equipment", "ie"},
      {{"汽车用品", "汽車用品", ""}, "Auto Accessories", "acc"},
      {{"润滑油", "潤滑油", ""}, "Lubricants", "lube"},
      {{"轮胎", "輪胎", ""}, "Tyre", "tyre"},
      {{"汽车电子", "汽車電子", ""}, "Automotive Electronics", "ae"},
      {{"精密模具", "精密模具", ""}, "Precision Mould", "mould"},
      {{"动力电池", "動力電池", ""}, "Power Battery", "battery"},
      {{"车灯", "車燈", ""}, "Auto Lighting", "light"},
      {{"充电设备", "充電設備", ""}, "Charging Equipment", "charge"},
      {{"传感器", "傳感器", ""}, "Sensor", "sensor"},
      {{"汽车内饰", "汽車內飾", ""}, "Auto Interior", "interior"},
      {{"汽车玻璃", "汽車玻璃", ""}, "Auto Glass", "glass"},
      {{"涂料", "塗料", ""}, "Coatings", "coat"},
  };
  static const std::vector<Industry> buyer = {
      {{"汽车销售服务", "汽車銷售服務", ""}, "Auto Sales & Service", "4s"},
      {{"汽车贸易", "汽車貿易", ""}, "Auto Trading", "trade"},
      {{"汽车维修", "汽車維修", ""}, "Auto Repair", "repair"},
      {{"汽车制造", "汽車製造", ""}, "Automobile Manufacturing", "motor"},
      {{"物流", "物流", ""}, "Logistics", "logistics"},
      {{"进出口", "進出口", ""}, "Import & Export", "impex"},
      {{"汽车配件", "汽車配件", ""}, "Auto Spare Parts", "parts"},
      {{"租车服务", "租車服務", ""}, "Car Rental", "rent"},
  };
  static const std::vector<Industry> sponsor = {
      {{"金融服务", "金融服務", ""}, "Financial Services", "finance"},
      {{"财产保险", "財產保險", ""}, "Property Insurance", "insurance"},
      {{"融资租赁", "融資租賃", ""}, "Financial Leasing", "leasing"},
      {{"广告传媒", "廣告傳媒", ""}, "Advertising Media", "media"},
  };
  static const std::vector<Industry> media = {
      {{"文化传媒", "文化傳媒", ""}, "Culture Media", "media"},
  };
  switch (kind) {
    case 1: return buyer;
    case 2: return sponsor;
    case 3: return media;
    default: return exhibitor;
  }
}

const std::vector<LegalSuffix>& LegalSuffixes() {
  static const std::vector<LegalSuffix> v = {
      {{"有限公司", "有限公司", ""}, "Co., Ltd."},
      {{"股份有限公司", "股份有限公司", ""}, "Co., Ltd."},
      {{"集团有限公司", "集團有限公司", ""}, "Group Co., Ltd."},
      {{"有限责任公司", "有限責任公司", ""}, "Co., Ltd."},
  };
  return v;
}

const std::vector<Han>& Titles() {
  static const std::vector<Han> v = {
      {"销售经理", "銷售經理", "Sales Manager"},
      {"市场总监", "市場總監", "Marketing Director"},
      {"总经理", "總經理", "General Manager"},
      {"采购经理", "採購經理", "Purchasing Manager"},
      {"技术总监", "技術總監", "CTO"},
      {"工程师", "工程師", "Engineer"},
      {"业务员", "業務員", "Sales Representative"},
      {"董事长", "董事長", "Chairman"},
      {"副总经理", "副總經理", "Deputy General Manager"},
      {"采购专员", "採購專員", "Buyer"},
      {"项目经理", "項目經理", "Project Manager"},
      {"市场专员", "市場專員", "Marketing Specialist"},
      {"记者", "記者", "Journalist"},
      {"编辑", "編輯", "Editor"},
      {"品牌经理", "品牌經理", "Brand Manager"},
      {"海外销售", "海外銷售", "Export Sales"},
  };
  return v;
}

const std::vector<const char*>& LatinBrands() {
  static const std::vector<const char*> v = {
      "Kessler",  "Nordwerk", "Brightline", "Vortex",    "Acme",   "Halvorsen", "Meridian", "Stellar",    "Arcadia",
      "Bergmann", "Cobalt",   "Delmar",     "Everest",   "Falcon", "Granite",   "Helix",    "Ironbridge", "Juniper",
      "Kinetic",  "Lumen",    "Maxon",      "Northstar", "Orion",  "Pinnacle",  "Quantum",  "Redwood",    "Summit",
      "Tornado",  "Unity",    "Valmont",    "Westfield", "Zenith", "Sakura",    "Daewon",   "Tamura",     "Rossi",
  };
  return v;
}

const std::vector<const char*>& LatinIndustries() {
  static const std::vector<const char*> v = {"Automotive",  "Components", "Motion", "Systems", "Mobility",
                                             "Electronics", "Trading",    "Motors", "Parts",   "Technologies"};
  return v;
}

const std::vector<const char*>& LatinSuffixes() {
  static const std::vector<const char*> v = {"GmbH", "Inc.", "Ltd.",  "S.p.A.",    "Co., Ltd.", "LLC",
                                             "AG",   "SAS",  "Corp.", "Pte. Ltd.", "S.L.",      "Co., Ltd."};
  return v;
}

const std::vector<const char*>& MediaOutlets() {
  static const std::vector<const char*> v = {"Auto Review Asia", "Motor Trade Weekly", "EV Insider",
                                             "Automotive News Digest", "Global Fleet Report"};
  return v;
}

const std::vector<Han>& ChineseMediaOutlets() {
  static const std::vector<Han> v = {
      {"汽车周刊", "汽車週刊", "Qiche Weekly"},      {"车界观察", "車界觀察", "Chejie Observer"},
      {"新能源车评", "新能源車評", "NEV Review"},    {"汽车商业评论", "汽車商業評論", "Auto Business Review"},
      {"汽配在线", "汽配在線", "Auto Parts Online"}, {"驾趣传媒", "駕趣傳媒", "Jiaqu Media"},
  };
  return v;
}

namespace internal {

// Latin first and last names per culture (Country::name_group).
const std::vector<NameGroup>& NameGroups() {
  static const std::vector<NameGroup> v = {
      {{"Thomas", "Michael", "Andreas", "Stefan", "Markus", "Julia", "Anna", "Sabine", "Katrin", "Lukas", "Jan",
        "Christian", "Laura", "Jürgen"},
       {"Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Hoffmann", "Schulz", "Koch",
        "Richter", "Wolf", "Krüger"},
       false},
      {{"James", "John", "Robert", "Michael", "David", "Jennifer", "Linda", "Emily", "Sarah", "Jessica", "Daniel",
        "Matthew", "Christopher", "Kevin"},
       {"Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson", "Taylor", "Thomas",
        "Moore", "Martin", "Clark"},
       false},
      {{"Pierre", "Jean", "Nicolas", "Julien", "Camille", "Marie", "Sophie", "Claire", "Antoine", "Léa"},
       {"Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau"},
       false},
      {{"Marco", "Luca", "Giuseppe", "Francesca", "Giulia", "Alessandro", "Chiara", "Matteo"},
       {"Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci"},
       false},
      {{"Hiroshi", "Takashi", "Kenji", "Yuki", "Akira", "Naoko", "Haruka", "Satoshi"},
       {"Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito", "Yamamoto", "Nakamura"},
       true},
      {{"Min-jun", "Seo-yeon", "Ji-hoon", "Hye-jin", "Dong-hyun", "Su-bin"},
       {"Kim", "Lee", "Park", "Choi", "Jung", "Kang", "Cho", "Yoon"},
       true},
      {{"Rahul", "Amit", "Priya", "Anjali", "Vikram", "Sanjay", "Deepa", "Arjun"},
       {"Sharma", "Patel", "Singh", "Kumar", "Gupta", "Reddy", "Mehta", "Nair"},
       false},
      {{"Ivan", "Dmitry", "Sergey", "Olga", "Elena", "Natalia", "Alexey", "Andrey"},
       {"Ivanov", "Smirnov", "Kuznetsov", "Popov", "Volkov", "Sokolov", "Petrov"},
       false},
      {{"Carlos", "Javier", "Lucía", "María", "Pablo", "Elena", "Diego"},
       {"García", "Fernández", "López", "Martínez", "Sánchez", "Pérez"},
       false},
      {{"Wei Ming", "Jia Hui", "Kok Wai", "Mei Ling", "Boon Keng", "Siew Ling"},
       {"Tan", "Lim", "Lee", "Ng", "Wong", "Goh", "Chua"},
       true},
      {{"Somchai", "Suda", "Anan", "Niran", "Kanya", "Prasert"},
       {"Saetang", "Srisuk", "Chaiyaporn", "Wongsakul", "Boonmee"},
       false},
      {{"João", "Pedro", "Ana", "Mariana", "Lucas", "Gabriel"},
       {"Silva", "Santos", "Oliveira", "Souza", "Costa", "Pereira"},
       false},
      {{"Ahmed", "Mohammed", "Fatima", "Omar", "Khalid", "Aisha"},
       {"Al Mansouri", "Al Hashimi", "Khan", "Haddad", "Al Falasi"},
       false},
  };
  return v;
}

}  // namespace internal

}  // namespace crm::simulate
